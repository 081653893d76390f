package io.physmaster.requests;

/** A generation request that breaks a rule; the message says which and how to fix it. */
public class InvalidRequestException extends Exception {

    public InvalidRequestException(String message) {
        super(message);
    }

    public InvalidRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
