package io.physmaster.stack;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5: {@code @ExtendWith(LocalStackExtension.class)} gives every test class in the JVM one shared stack
 * (started once, stopped when the test run ends). Reach it with {@link #stack()}.
 */
public final class LocalStackExtension implements BeforeAllCallback {

    private static volatile LocalStack shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(LocalStackExtension.class, k -> new Holder(), Holder.class);
    }

    /** The running stack; only valid in classes extended with this extension. */
    public static LocalStack stack() {
        if (shared == null) {
            throw new IllegalStateException("No local stack: annotate the test class with "
                    + "@ExtendWith(LocalStackExtension.class)");
        }
        return shared;
    }

    private static final class Holder implements ExtensionContext.Store.CloseableResource {
        Holder() {
            try {
                shared = LocalStack.start(LocalStackConfig.ephemeral());
            } catch (Exception e) {
                throw new IllegalStateException("Local stack failed to start: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            shared.close();
            shared = null;
        }
    }
}
