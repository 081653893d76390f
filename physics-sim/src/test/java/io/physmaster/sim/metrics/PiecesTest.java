package io.physmaster.sim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PiecesTest {

    /** An 8x8 mask from rows of characters: '.' = nothing, digits = object ids. */
    static byte[] mask(String... rows) {
        byte[] m = new byte[rows.length * rows[0].length()];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < rows[y].length(); x++) {
                char ch = rows[y].charAt(x);
                m[y * rows[y].length() + x] = (byte) (ch == '.' ? 0 : ch - '0');
            }
        }
        return m;
    }

    @Test
    void countsEightConnectedPieces() {
        byte[] m = mask(
                "11......",
                "11......",
                "..1.....",   // touches the block diagonally: same piece
                "........",
                ".....11.",
                ".....1..",
                "........",
                "1.......");
        int[] labels = new int[64];
        List<int[]> pieces = Pieces.find(m, 0, 8, 8, 1, labels);
        assertEquals(3, pieces.size());
        assertEquals(5, pieces.get(0)[0]);
        assertEquals(3, pieces.get(1)[0]);
        assertEquals(1, pieces.get(2)[0]);
        assertEquals(1, Pieces.largest(pieces));
        assertEquals(2, Pieces.nearest(pieces, 5.5, 4.5));
        assertEquals(2, labels[4 * 8 + 5]);
    }

    @Test
    void dropsSmallPiecesOnAnotherObjectsEdgeButKeepsTheObjectItself() {
        byte[] m = mask(
                "111.....",
                "111.....",
                "111.....",
                "........",
                "....22..",
                "....221.",   // two pixels of 1 on object 2's edge: the segmenter's doubt, dropped
                "......1.",
                "........");
        int[] labels = new int[64];
        List<int[]> pieces = Pieces.find(m, 0, 8, 8, 1, labels);
        assertEquals(1, pieces.size());
        assertEquals(9, pieces.get(0)[0]);
        assertEquals(0, labels[5 * 8 + 6]);
        // The largest piece stays even when it touches another object (a collision).
        assertEquals(1, Pieces.find(m, 0, 8, 8, 2, labels).size());
    }
}
