package io.physmaster.annotate;

import io.physmaster.schemas.DeadLetter;
import io.physmaster.schemas.EncoderVersion;
import io.physmaster.schemas.GeneratedVideo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the dashboard shows, read-only for the HTTP side and fed by the background consumers. Memory is bounded:
 * only the newest N versions, videos and dead letters are kept; dead letters are also counted by component and
 * reason, over at most {@link #MAX_REASONS} distinct reasons (the rest are counted as "other").
 */
final class DashboardModel {

    /** Held-out figures preferred for the curve: the change against the fixed anchor compares across versions. */
    static final List<String> PREFERRED = List.of("change_vs_anchor", "candidate_score");
    static final String NO_FIGURES = "no held-out figures in the records";
    static final int MAX_REASONS = 100;
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    record VersionView(String version, String parent, long createdAt, long offset, int batches, boolean adapters,
                       Map<String, Double> evaluationFigures, Map<String, Double> trainingFigures) {
    }

    record CurvePoint(int index, String version, long createdAt, Double value, Double low, Double high) {
    }

    record Curve(String figure, boolean interval, List<String> figures, List<String> intervalFigures,
                 List<CurvePoint> points, String note) {
    }

    record VideoView(String requestId, int sample, String encoderVersion, String sceneId, long createdAt,
                     long latencyMs, int frames, String gif) {
    }

    record ReasonCount(String component, String reason, long count, long latest) {
    }

    record LetterView(long time, String component, String originalTopic, String reason, String errorClass) {
    }

    record DeadLetters(long total, List<ReasonCount> byReason, List<LetterView> newest) {
    }

    private final int keepVersions;
    private final int keepVideos;
    private final int keepLetters;
    /** Publication (offset) order; a republished version moves to the end, as it is the one served then. */
    private final LinkedHashMap<String, VersionView> versions = new LinkedHashMap<>();
    private final TreeSet<VideoView> videos = new TreeSet<>(Comparator.comparingLong(VideoView::createdAt)
            .thenComparing(VideoView::requestId).thenComparingInt(VideoView::sample));
    /** Newest by time; the arrival number tells apart letters of the same millisecond. */
    private final TreeMap<long[], LetterView> letters = new TreeMap<>(Comparator.<long[]>comparingLong(k -> k[0])
            .thenComparingLong(k -> k[1]));
    private final Map<String, ReasonCount> reasons = new LinkedHashMap<>();
    private long lettersTotal;

    DashboardModel(int keepVersions, int keepVideos, int keepLetters) {
        this.keepVersions = keepVersions;
        this.keepVideos = keepVideos;
        this.keepLetters = keepLetters;
    }

    synchronized void version(EncoderVersion v, long offset) {
        versions.remove(v.getVersion());
        versions.put(v.getVersion(), new VersionView(v.getVersion(), v.getParent(), v.getCreatedAt().toEpochMilli(),
                offset, v.getBatchIds().size(), v.getAdaptersUri() != null, finite(v.getEvaluationFigures()),
                finite(v.getTrainingFigures())));
        Iterator<String> eldest = versions.keySet().iterator();
        while (versions.size() > keepVersions) {
            eldest.next();
            eldest.remove();
        }
    }

    synchronized void video(GeneratedVideo v) {
        // The annotator's media route serves a video by its exact frames (rawUri); without them, no picture.
        String gif = v.getRawUri() == null ? null : "/media/" + v.getRequestId() + "/" + v.getSampleIndex() + ".gif";
        videos.add(new VideoView(v.getRequestId(), v.getSampleIndex(), v.getEncoderVersion(), v.getSceneId(),
                v.getCreatedAt().toEpochMilli(), v.getLatencyMs(), v.getFrames(), gif));
        while (videos.size() > keepVideos) {
            videos.pollFirst();
        }
    }

    synchronized void deadLetter(DeadLetter d) {
        String component = component(d.getComponent());
        String reason = reasonPrefix(d.getReason());
        String key = component + '\n' + reason;
        long time = d.getTime().toEpochMilli();
        if (!reasons.containsKey(key) && reasons.size() >= MAX_REASONS) {
            component = "other";
            reason = "other reasons";
            key = component + '\n' + reason;
        }
        ReasonCount old = reasons.get(key);
        reasons.put(key, new ReasonCount(component, reason, old == null ? 1 : old.count() + 1,
                old == null ? time : Math.max(old.latest(), time)));
        lettersTotal++;
        letters.put(new long[] {time, lettersTotal}, new LetterView(time,
                d.getComponent() == null ? "unknown" : d.getComponent(), d.getOriginalTopic(), d.getReason(),
                d.getErrorClass()));
        while (letters.size() > keepLetters) {
            letters.pollFirstEntry();
        }
    }

    /** Newest first. */
    synchronized List<VersionView> versions(int limit) {
        List<VersionView> out = new ArrayList<>(versions.values());
        return newestFirst(out, limit);
    }

    /** Newest first. */
    synchronized List<VideoView> videos(int limit) {
        return newestFirst(new ArrayList<>(videos), limit);
    }

    synchronized DeadLetters deadLetters(int limit) {
        List<ReasonCount> by = new ArrayList<>(reasons.values());
        by.sort(Comparator.comparingLong(ReasonCount::count).reversed().thenComparing(ReasonCount::component)
                .thenComparing(ReasonCount::reason));
        return new DeadLetters(lettersTotal, by, newestFirst(new ArrayList<>(letters.values()), limit));
    }

    /** The names of every held-out figure the kept versions carry; figures with _low and _high have intervals. */
    synchronized Set<String> figureNames() {
        Set<String> all = new TreeSet<>();
        versions.values().forEach(v -> all.addAll(v.evaluationFigures().keySet()));
        return all;
    }

    /**
     * The learning curve of {@code figure} (null: the preferred one the records carry) over the versions in
     * publication order; without any held-out figure, the versions alone with {@link #NO_FIGURES} as the note.
     * Returns null when the records carry no figure of that name.
     */
    synchronized Curve curve(String figure) {
        Set<String> all = figureNames();
        List<String> withInterval = all.stream()
                .filter(f -> all.contains(f + "_low") && all.contains(f + "_high")).toList();
        List<String> figures = all.stream().filter(f -> withInterval.stream()
                .noneMatch(i -> f.equals(i + "_low") || f.equals(i + "_high"))).toList();
        if (figure != null && !figures.contains(figure)) {
            return null;
        }
        String chosen = figure != null ? figure : PREFERRED.stream().filter(figures::contains).findFirst()
                .orElse(withInterval.isEmpty() ? figures.isEmpty() ? null : figures.get(0) : withInterval.get(0));
        boolean interval = chosen != null && withInterval.contains(chosen);
        List<CurvePoint> points = new ArrayList<>();
        int index = 0;
        for (VersionView v : versions.values()) {
            index++;
            Map<String, Double> e = v.evaluationFigures();
            if (chosen == null) {
                points.add(new CurvePoint(index, v.version(), v.createdAt(), null, null, null));
            } else if (e.get(chosen) != null) {
                points.add(new CurvePoint(index, v.version(), v.createdAt(), e.get(chosen),
                        interval ? e.get(chosen + "_low") : null, interval ? e.get(chosen + "_high") : null));
            }
        }
        String note = chosen == null ? NO_FIGURES : interval ? null : "the records carry no interval for " + chosen;
        return new Curve(chosen, interval, figures, withInterval, points, note);
    }

    /** The role part of a component ("worker/worker-7" is "worker"), so instances of one role add up. */
    static String component(String component) {
        if (component == null || component.isBlank()) {
            return "unknown";
        }
        int slash = component.indexOf('/');
        return slash > 0 ? component.substring(0, slash) : component;
    }

    /**
     * What a reason says before its particulars: up to the first ':', ';' or '(' and at most five words, numbers
     * as '#', so "gave up after 3 attempts: ..." and "gave up after 5 attempts: ..." count together.
     */
    static String reasonPrefix(String reason) {
        if (reason == null || reason.isBlank()) {
            return "no reason given";
        }
        String r = reason;
        for (char stop : new char[] {':', ';', '('}) {
            int i = r.indexOf(stop);
            if (i > 0) {
                r = r.substring(0, i);
            }
        }
        String[] words = r.trim().split("\\s+");
        String prefix = String.join(" ", java.util.Arrays.copyOf(words, Math.min(words.length, 5)));
        prefix = DIGITS.matcher(prefix).replaceAll("#");
        return prefix.length() > 60 ? prefix.substring(0, 60) : prefix;
    }

    private static Map<String, Double> finite(Map<String, Double> figures) {
        Map<String, Double> out = new TreeMap<>();
        figures.forEach((k, v) -> out.put(k, v != null && Double.isFinite(v) ? v : null)); // JSON has no NaN
        return out;
    }

    private static <T> List<T> newestFirst(List<T> oldestFirst, int limit) {
        List<T> out = new ArrayList<>(Math.min(limit, oldestFirst.size()));
        for (int i = oldestFirst.size() - 1; i >= 0 && out.size() < limit; i--) {
            out.add(oldestFirst.get(i));
        }
        return out;
    }
}
