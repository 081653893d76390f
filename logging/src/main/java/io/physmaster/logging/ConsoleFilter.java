package io.physmaster.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * What reaches the console: our own events from INFO on, libraries' only from WARN on, so a person sees
 * progress and problems instead of client configuration dumps. {@code -Dphysmaster.verbose=true} (the
 * launcher's {@code --verbose}) lets libraries' INFO through too. The rolling file gets everything regardless.
 */
public final class ConsoleFilter extends Filter<ILoggingEvent> {

    static final String OURS = "io.physmaster";

    @Override
    public FilterReply decide(ILoggingEvent e) {
        boolean ours = e.getLoggerName().startsWith(OURS);
        Level min = ours || Boolean.getBoolean("physmaster.verbose") ? Level.INFO : Level.WARN;
        return e.getLevel().isGreaterOrEqual(min) ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
