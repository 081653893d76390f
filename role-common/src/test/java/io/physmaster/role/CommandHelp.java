package io.physmaster.role;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * What --help shows, checked for the modules' CommandHelpTests: a description of every command, option and
 * parameter, with its default, so that nobody needs the source to run a command. Walks the picocli model,
 * subcommands included, and renders each option as the usage help does.
 */
public final class CommandHelp {

    /** What is missing from the help of these commands (picocli @Command objects); empty when nothing is. */
    public static List<String> problems(Object... commands) {
        List<String> problems = new ArrayList<>();
        for (Object c : commands) {
            check(new CommandLine(c), problems);
        }
        return problems;
    }

    private static void check(CommandLine cmd, List<String> problems) {
        CommandSpec spec = cmd.getCommandSpec();
        Help help = new Help(spec, Help.defaultColorScheme(Help.Ansi.OFF));
        if (String.join("", spec.usageMessage().description()).isBlank()) {
            problems.add(spec.qualifiedName() + ": the command has no description");
        }
        for (OptionSpec o : spec.options()) {
            if (!o.usageHelp() && !o.versionHelp()) { // picocli's own --help and --version
                Help.Layout layout = help.createDefaultLayout();
                layout.addOption(o, help.createDefaultParamLabelRenderer());
                check(spec.qualifiedName() + " " + o.longestName(), o, layout.toString(), problems);
            }
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            Help.Layout layout = help.createDefaultLayout();
            layout.addPositionalParameter(p, help.createDefaultParamLabelRenderer());
            check(spec.qualifiedName() + " " + p.paramLabel(), p, layout.toString(), problems);
        }
        cmd.getSubcommands().values().forEach(sub -> check(sub, problems));
    }

    /** Needs a description; a default, if any, must appear in the rendered help after the word "default". */
    private static void check(String name, ArgSpec arg, String rendered, List<String> problems) {
        if (String.join("", arg.description()).isBlank()) {
            problems.add(name + ": no description");
        }
        String value = defaultValue(arg);
        if (value != null) {
            String text = rendered.replaceAll("\\s+", ""); // the usage help wraps long lines
            int at = text.toLowerCase(Locale.ROOT).indexOf("default");
            if (at < 0 || !text.substring(at).contains(value.replaceAll("\\s+", ""))) {
                problems.add(name + ": default " + value + " not shown in: " + rendered.strip());
            }
        }
    }

    /**
     * The value an argument takes when not given: its declared default, else its field's initial value. A
     * required argument has none; neither has a flag that is off, an empty collection or a null field.
     */
    private static String defaultValue(ArgSpec arg) {
        if (arg.required()) {
            return null;
        }
        if (arg.defaultValue() != null) {
            return arg.defaultValue();
        }
        Object initial = arg.initialValue();
        boolean none = initial == null || Boolean.FALSE.equals(initial)
                || initial instanceof Collection<?> c && c.isEmpty() || initial instanceof Map<?, ?> m && m.isEmpty();
        return none ? null : String.valueOf(initial);
    }

    private CommandHelp() {
    }
}
