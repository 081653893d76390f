package io.physmaster.streams;

import io.physmaster.schemas.DeadLetter;

/**
 * What a processor made of one record: a value for the next step, or a dead letter. Sealed, so the topology
 * routes the two kinds by {@link #isDead()} and typed accessors, without instanceof or casts.
 */
sealed interface Outcome<T> {

    static <T> Outcome<T> of(T value) {
        return new Ok<>(value);
    }

    static <T> Outcome<T> dead(DeadLetter letter) {
        return new Dead<>(letter);
    }

    boolean isDead();

    /** The value of an Ok outcome. */
    T value();

    /** The dead letter of a Dead outcome. */
    DeadLetter letter();

    /** A value for the next step. */
    record Ok<T>(T value) implements Outcome<T> {
        @Override
        public boolean isDead() {
            return false;
        }

        @Override
        public DeadLetter letter() {
            throw new IllegalStateException("not a dead letter");
        }
    }

    /** A record that could not be processed, and why. */
    record Dead<T>(DeadLetter letter) implements Outcome<T> {
        @Override
        public boolean isDead() {
            return true;
        }

        @Override
        public T value() {
            throw new IllegalStateException("a dead letter has no value");
        }
    }
}
