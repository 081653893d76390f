package io.physmaster.streams;

/**
 * What a preference needs of a generated video: the encoder version that made it, the URI pairs name it by
 * (the raw .pmv when there is one), its scene and the seed it was drawn with. The video table's value: decoded
 * twice per preference event, so a few strings in InternalSerdes' binary form instead of the whole Avro
 * GeneratedVideo.
 */
record VideoRef(String encoderVersion, String uri, String sceneId, long seed) {
}
