package io.physmaster.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.physmaster.role.CommandHelp;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What --help of the trainer shows: every option and parameter described, with its default. */
class CommandHelpTest {

    @Test
    void everyOptionIsDescribedAndShowsItsDefault() {
        assertEquals(List.of(), CommandHelp.problems(new DpoTrainerMain()));
    }
}
