package io.physmaster.annotate;

/** A request the annotator turns down: an HTTP status and a short fixed reason that never echoes input. */
final class Refusal extends RuntimeException {

    final int status;

    Refusal(int status, String reason) {
        super(reason, null, false, false);
        this.status = status;
    }
}
