package io.physmaster.blob;

import java.io.IOException;

/**
 * The URI is not one the configured store owns (another scheme, bucket or directory, a path escaping the store
 * root). The message is the same whatever the URI names, so a refusal never tells whether something exists
 * there, and it never quotes the URI.
 */
public class BlobAccessDeniedException extends IOException {

    public static final String MESSAGE = "URI is not in the configured blob store";

    public BlobAccessDeniedException() {
        super(MESSAGE);
    }
}
