package io.physmaster.serde;

/** A schema registry call failed; carries the HTTP status and Confluent error code when there was a reply. */
public class RegistryException extends RuntimeException {

    private final int httpStatus;
    private final int errorCode;

    public RegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** HTTP status of the registry's reply, or -1 if it could not be reached. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent error_code of the reply (e.g. 40403 schema not found, 409 incompatible), or -1. */
    public int errorCode() {
        return errorCode;
    }

    /** True for "no such schema / subject / version": retrying does not help. */
    public boolean isNotFound() {
        return httpStatus == 404;
    }

    /** True when the registry refused a schema as incompatible with the subject's earlier versions. */
    public boolean isIncompatible() {
        return httpStatus == 409;
    }
}
