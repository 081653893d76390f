package io.physmaster.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.physmaster.annotate.AnnotatorMain;
import io.physmaster.judge.JudgeMain;
import io.physmaster.role.CommandHelp;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What --help of the client, judge and annotator commands shows: every option and parameter described, with its default. */
class CommandHelpTest {

    @Test
    void everyOptionIsDescribedAndShowsItsDefault() {
        assertEquals(List.of(), CommandHelp.problems(new ClientCli(), new JudgeMain(), new AnnotatorMain()));
    }
}
