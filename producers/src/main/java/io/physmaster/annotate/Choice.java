package io.physmaster.annotate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** A POSTed choice, validated: {requestId, left, right, choice: left|right|skip}. */
record Choice(String requestId, int left, int right, String choice) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses a body; anything else than a well-formed choice is a 400 with a short reason. */
    static Choice parse(byte[] body) {
        JsonNode c;
        try {
            c = JSON.readTree(body);
        } catch (IOException e) {
            throw new Refusal(400, "body is not JSON");
        }
        if (c == null || !c.isObject()) {
            throw new Refusal(400, "body must be a JSON object");
        }
        JsonNode id = c.get("requestId");
        if (id == null || !id.isTextual() || id.asText().isBlank() || id.asText().length() > 200) {
            throw new Refusal(400, "requestId must be a request id string");
        }
        JsonNode left = c.get("left");
        JsonNode right = c.get("right");
        if (left == null || right == null || !left.canConvertToInt() || !right.canConvertToInt()
                || !left.isIntegralNumber() || !right.isIntegralNumber()) {
            throw new Refusal(400, "left and right must be sample numbers");
        }
        if (left.asInt() == right.asInt()) {
            throw new Refusal(400, "left and right must be different samples");
        }
        JsonNode choice = c.get("choice");
        String ch = choice != null && choice.isTextual() ? choice.asText() : "";
        if (!ch.equals("left") && !ch.equals("right") && !ch.equals("skip")) {
            throw new Refusal(400, "choice must be left, right or skip");
        }
        return new Choice(id.asText(), left.asInt(), right.asInt(), ch);
    }

    /** The sample preferred, or -1 for a skip. */
    int preferred() {
        return switch (choice) {
            case "left" -> left;
            case "right" -> right;
            default -> -1;
        };
    }

    int rejected() {
        return choice.equals("left") ? right : left;
    }
}
