package io.physmaster.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ConfluentWireFormatTest {

    @Test
    void headerIsMagicZeroThenBigEndianId() {
        byte[] framed = ConfluentWireFormat.frame(0x01020304, new byte[] {9, 8, 7});
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 9, 8, 7}, framed);
        ConfluentWireFormat.Framed parsed = ConfluentWireFormat.parse("t", framed);
        assertEquals(0x01020304, parsed.schemaId());
        assertEquals(5, parsed.bodyOffset());
        assertEquals(3, parsed.bodyLength());
    }

    @Test
    void largeIdsUseAllFourBytes() {
        byte[] framed = ConfluentWireFormat.frame(Integer.MAX_VALUE, new byte[0]);
        assertArrayEquals(new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}, framed);
    }

    @Test
    void wrongMagicByteIsAClearError() {
        SerializationException e = assertThrows(SerializationException.class,
                () -> ConfluentWireFormat.parse("orders", new byte[] {1, 0, 0, 0, 1, 2}));
        assertTrue(e.getMessage().contains("magic byte"), e.getMessage());
        assertTrue(e.getMessage().contains("orders"), e.getMessage());
    }

    @Test
    void tooShortIsAClearError() {
        SerializationException e = assertThrows(SerializationException.class,
                () -> ConfluentWireFormat.parse("t", new byte[] {0, 0, 1}));
        assertTrue(e.getMessage().contains("fewer than the 5-byte"), e.getMessage());
    }
}
