package io.physmaster.blob;

import java.io.FileNotFoundException;
import java.net.URI;

/** The URI names no blob. */
public class BlobNotFoundException extends FileNotFoundException {

    public BlobNotFoundException(URI uri) {
        super("No blob at " + uri);
    }
}
