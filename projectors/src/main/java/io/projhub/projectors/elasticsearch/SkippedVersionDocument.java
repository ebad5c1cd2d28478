package io.projhub.projectors.elasticsearch;

/** The highest skipped version of one stream, stored as a document whose id is the stream id. */
record SkippedVersionDocument(long streamVersion) {
}
