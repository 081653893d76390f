package io.physmaster.sim.metrics;

import java.util.List;

/**
 * Object permanence and free-fall dynamics of one video (or a mean over objects or videos); see
 * {@link PermanenceMetrics} for the definitions. Lower is better except {@code onePiece} and
 * {@code gravityWithin10}.
 *
 * @param areaChange      median over frames of |area_t / true area - 1| (0 = the object keeps its size)
 * @param onePiece        share of frames where the object is exactly one piece (1 = never breaks up)
 * @param ghost           residue left where the object started, 0 (none) .. 1 (a full copy stays behind)
 * @param colourShift     RGB distance of the object's mean colour from its frame-0 mean colour, 0..sqrt(3)
 * @param acceleration    fitted free-fall acceleration, px/frame^2 (NaN when no fall could be fitted)
 * @param gravityError    |fitted - simulator| / simulator, capped at 1; 1 when the fall was not found in the
 *                        video; NaN when the truth has no fall long enough to fit
 * @param gravityWithin10 share of the counted falls fitted within 10 % of the simulator (NaN without falls)
 * @param falls           how many falls the gravity figures are over
 */
public record PermanenceScores(double areaChange, double onePiece, double ghost, double colourShift,
                               double acceleration, double gravityError, double gravityWithin10, int falls) {

    /** The error at or below which a fitted acceleration counts as right. */
    public static final double GRAVITY_TOLERANCE = 0.10;

    /**
     * Mean of several scores. The permanence terms weigh every entry alike; the gravity terms are weighted by
     * {@code falls}, so an entry without a fall neither counts as a hit nor as a miss.
     */
    public static PermanenceScores mean(List<PermanenceScores> all) {
        if (all.isEmpty()) {
            return new PermanenceScores(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, 0);
        }
        double area = 0;
        double piece = 0;
        double ghost = 0;
        double colour = 0;
        double accel = 0;
        int fitted = 0; // falls with a finite acceleration (a fall missing from the video has none)
        double error = 0;
        double within = 0;
        int falls = 0;
        for (PermanenceScores s : all) {
            area += s.areaChange;
            piece += s.onePiece;
            ghost += s.ghost;
            colour += s.colourShift;
            if (s.falls > 0) {
                error += s.gravityError * s.falls;
                within += s.gravityWithin10 * s.falls;
                falls += s.falls;
                if (Double.isFinite(s.acceleration)) {
                    accel += s.acceleration * s.falls;
                    fitted += s.falls;
                }
            }
        }
        int n = all.size();
        return new PermanenceScores(area / n, piece / n, ghost / n, colour / n,
                fitted == 0 ? Double.NaN : accel / fitted,
                falls == 0 ? Double.NaN : error / falls,
                falls == 0 ? Double.NaN : within / falls, falls);
    }

    /** Scores for an object without a counted fall. */
    static PermanenceScores withoutFall(double areaChange, double onePiece, double ghost, double colourShift) {
        return new PermanenceScores(areaChange, onePiece, ghost, colourShift, Double.NaN, Double.NaN, Double.NaN, 0);
    }
}
