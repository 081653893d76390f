package io.physmaster.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Arrays;
import java.util.List;

/**
 * What reaches the console: our own events from INFO on, libraries' only from WARN on, so a person sees
 * progress and problems instead of client configuration dumps. {@code -Dphysmaster.verbose=true} (the
 * launcher's {@code --verbose}) lets libraries' INFO through too. The rolling file gets everything regardless.
 * <p>
 * Two refinements, both undone by verbose: a few library warnings that are expected and say nothing a person
 * can act on ({@link #EXPECTED}) stay in the file; and {@code -Dphysmaster.console.info=<prefixes>} narrows
 * which of our loggers show INFO (the demo keeps its in-process roles' per-event lines in the file and prints its
 * own progress instead). Warnings and errors of ours always show.
 */
public final class ConsoleFilter extends Filter<ILoggingEvent> {

    static final String OURS = "io.physmaster";
    static final String VERBOSE = "physmaster.verbose";
    static final String INFO_FROM = "physmaster.console.info";

    /** Expected library warnings: logger and a piece of the message. */
    static final List<String[]> EXPECTED = List.of(
            // DJL probes for CUDA on every model load; on a CPU-only machine it warns twice per process.
            new String[] {"ai.djl.util.cuda.CudaUtils", "Failed to detect GPU count"},
            // A consumer subscribed before its topic exists (Streams' repartition topics at start-up): it retries.
            new String[] {"org.apache.kafka.clients.NetworkClient", "reported a recoverable issue"});

    /** The parsed value of {@link #INFO_FROM}: parsed once per value, not per event. */
    private record InfoFrom(String spec, List<String> prefixes) {
    }

    private volatile InfoFrom infoFrom = new InfoFrom(OURS, List.of(OURS));

    @Override
    public FilterReply decide(ILoggingEvent e) {
        boolean verbose = Boolean.getBoolean(VERBOSE);
        String logger = e.getLoggerName();
        Level level = e.getLevel();
        if (logger.startsWith(OURS)) {
            boolean show = level.isGreaterOrEqual(Level.WARN)
                    || level.isGreaterOrEqual(Level.INFO) && (verbose || showsInfo(logger));
            return show ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
        if (verbose) {
            return level.isGreaterOrEqual(Level.INFO) ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
        return level.isGreaterOrEqual(Level.WARN) && !expected(logger, e.getMessage())
                ? FilterReply.NEUTRAL : FilterReply.DENY;
    }

    private boolean showsInfo(String logger) {
        String spec = System.getProperty(INFO_FROM, OURS);
        InfoFrom from = infoFrom;
        if (!spec.equals(from.spec())) {
            from = new InfoFrom(spec, Arrays.stream(spec.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
            infoFrom = from;
        }
        for (String p : from.prefixes()) {
            if (logger.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    static boolean expected(String logger, String message) {
        for (String[] x : EXPECTED) {
            if (logger.equals(x[0]) && message != null && message.contains(x[1])) {
                return true;
            }
        }
        return false;
    }
}
