package io.physmaster.streams;

/** One generated video on its way to the video table, keyed by its request id (an internal repartition topic). */
record VideoSample(String requestId, int sample, VideoRef video) {
}
