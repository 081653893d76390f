package io.physmaster.annotate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Annotator sign-in tokens: parsed from "name:token,...", or generated at random. */
public final class AnnotatorTokens {

    private static final SecureRandom RANDOM = new SecureRandom();
    // Tokens travel in URLs, an Authorization header and a cookie: keep them to characters safe in all three.
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~-]+");

    /** A fresh random token: 144 bits, URL-safe base64 (24 characters). */
    public static String newToken() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** One annotator with a fresh random token, as the token-to-name map AnnotatorServer takes. */
    public static Map<String, String> generate(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an annotator needs a name");
        }
        return Map.of(newToken(), name);
    }

    /** Parses "name:token,name:token" into token to name; errors never repeat a token. */
    public static Map<String, String> parse(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        String[] parts = spec.split(",");
        for (int i = 0; i < parts.length; i++) {
            String[] nt = parts[i].trim().split(":", 2);
            if (nt.length != 2 || nt[0].isBlank() || nt[1].isBlank()) {
                throw new IllegalArgumentException("annotator tokens look like name:token,name:token (entry "
                        + (i + 1) + " does not)");
            }
            if (!TOKEN.matcher(nt[1]).matches()) {
                throw new IllegalArgumentException("the token of annotator '" + nt[0].trim()
                        + "' may only use letters, digits and . _ ~ -");
            }
            if (out.put(nt[1], nt[0].trim()) != null) {
                throw new IllegalArgumentException("two annotators share a token (entry " + (i + 1) + ")");
            }
        }
        return out;
    }

    /** The annotator a presented token belongs to, or null; compares in constant time per known token. */
    static String annotator(Map<String, String> byToken, String presented) {
        if (presented == null || presented.isEmpty()) {
            return null;
        }
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (var e : byToken.entrySet()) {
            if (MessageDigest.isEqual(p, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                found = e.getValue();
            }
        }
        return found;
    }

    private AnnotatorTokens() {
    }
}
