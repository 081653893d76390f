package io.physmaster.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChoiceTest {

    static Choice parse(String body) {
        return Choice.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    static String refusal(String body) {
        Refusal r = assertThrows(Refusal.class, () -> parse(body));
        assertEquals(400, r.status);
        return r.getMessage();
    }

    @Test
    void aWellFormedChoice() {
        Choice c = parse("{\"requestId\":\"r1\",\"left\":3,\"right\":1,\"choice\":\"right\"}");
        assertEquals(new Choice("r1", 3, 1, "right"), c);
        assertEquals(1, c.preferred());
        assertEquals(3, c.rejected());
        assertEquals(-1, parse("{\"requestId\":\"r1\",\"left\":0,\"right\":1,\"choice\":\"skip\"}").preferred());
    }

    @Test
    void eachKindOfBadBodyHasItsOwnShortReason() {
        assertEquals("body is not JSON", refusal("{nope"));
        assertEquals("body must be a JSON object", refusal(""));
        assertEquals("body must be a JSON object", refusal("[1]"));
        assertEquals("requestId must be a request id string", refusal("{\"left\":0,\"right\":1,\"choice\":\"left\"}"));
        assertEquals("requestId must be a request id string", refusal("{\"requestId\":7,\"left\":0,\"right\":1}"));
        assertEquals("left and right must be sample numbers",
                refusal("{\"requestId\":\"r\",\"left\":\"0\",\"right\":1,\"choice\":\"left\"}"));
        assertEquals("left and right must be sample numbers",
                refusal("{\"requestId\":\"r\",\"left\":0.5,\"right\":1,\"choice\":\"left\"}"));
        assertEquals("left and right must be sample numbers",
                refusal("{\"requestId\":\"r\",\"left\":99999999999,\"right\":1,\"choice\":\"left\"}"));
        assertEquals("left and right must be different samples",
                refusal("{\"requestId\":\"r\",\"left\":1,\"right\":1,\"choice\":\"left\"}"));
        assertEquals("choice must be left, right or skip",
                refusal("{\"requestId\":\"r\",\"left\":0,\"right\":1,\"choice\":\"LEFT\"}"));
        assertEquals("choice must be left, right or skip", refusal("{\"requestId\":\"r\",\"left\":0,\"right\":1}"));
    }
}
