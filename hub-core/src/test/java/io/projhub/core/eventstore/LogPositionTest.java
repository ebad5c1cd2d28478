package io.projhub.core.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class LogPositionTest {

    @Test
    void positionsOrderByTransactionFirstThenByPosition() {
        List<LogPosition> positions = new ArrayList<>(List.of(
                new LogPosition(7, 1), new LogPosition(5, 90), new LogPosition(5, 3), LogPosition.START));
        positions.sort(null);
        assertThat(positions).containsExactly(
                LogPosition.START, new LogPosition(5, 3), new LogPosition(5, 90), new LogPosition(7, 1));
    }

    @Test
    void aCheckpointCoversEveryEventUpToAndIncludingItself() {
        LogPosition checkpoint = new LogPosition(10, 50);
        assertThat(checkpoint.covers(new LogPosition(10, 50))).isTrue();
        assertThat(checkpoint.covers(new LogPosition(9, 99))).isTrue();
        assertThat(checkpoint.covers(new LogPosition(10, 51))).isFalse();
        assertThat(checkpoint.covers(new LogPosition(11, 1))).isFalse();
    }

    @Test
    void aTokenReadsBackAsTheSamePosition() {
        LogPosition position = new LogPosition(Long.MAX_VALUE, 123456789L);
        assertThat(LogPosition.parse(position.token())).isEqualTo(position);
        assertThat(LogPosition.parse("0.0")).isEqualTo(LogPosition.START);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", " ", "1", "1.", ".1", "1.2.3", "-1.2", "1.-2", "01.2", "1.02", "a.b", "1 .2",
            "1.2 ", "9223372036854775808.1", "1.99999999999999999999", "1,2", "0x1.2"})
    void parsingRefusesAnythingButAToken(String token) {
        assertThatThrownBy(() -> LogPosition.parse(token)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNegativePositionCannotExist() {
        assertThatThrownBy(() -> new LogPosition(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
