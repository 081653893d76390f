package io.physmaster.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AnnotatorTokensTest {

    @Test
    void generatedTokensAreRandomAndUrlSafe() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Map<String, String> one = AnnotatorTokens.generate("demo");
            assertEquals(1, one.size());
            String token = one.keySet().iterator().next();
            assertEquals("demo", one.get(token));
            assertTrue(token.matches("[A-Za-z0-9_-]{24}"), token);
            assertNotEquals("demo", token);
            assertTrue(seen.add(token), "a token came twice");
        }
    }

    @Test
    void parsesNameTokenPairs() {
        Map<String, String> byToken = AnnotatorTokens.parse("alice:a-1, bob:b.2~x");
        assertEquals(Map.of("a-1", "alice", "b.2~x", "bob"), byToken);
        assertEquals("bob", AnnotatorTokens.annotator(byToken, "b.2~x"));
        assertNull(AnnotatorTokens.annotator(byToken, "b.2~"));
        assertNull(AnnotatorTokens.annotator(byToken, null));
    }

    @Test
    void badSpecsAreRefusedWithoutRepeatingTheToken() {
        for (String spec : new String[] {"alice", "alice:", ":tok", "alice:has space", "alice:semi;colon",
            "alice:dup1,bob:dup1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnnotatorTokens.parse(spec));
            String secret = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : null;
            if (secret != null && secret.length() > 3) {
                assertFalse(e.getMessage().contains(secret), e.getMessage());
            }
        }
    }
}
