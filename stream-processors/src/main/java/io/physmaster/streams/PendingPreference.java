package io.physmaster.streams;

/**
 * A checked preference waiting for its videos: its event time ({@code timestamp}) and the wall-clock time after
 * which it is a dead letter ({@code deadline}).
 */
record PendingPreference(CheckedPreference preference, long timestamp, long deadline) {
}
