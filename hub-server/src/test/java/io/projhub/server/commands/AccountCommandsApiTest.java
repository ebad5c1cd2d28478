package io.projhub.server.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.projhub.core.eventstore.LogPosition;
import tools.jackson.databind.JsonNode;

class AccountCommandsApiTest extends ApiTestSupport {

    @Test
    void openingAnAccountAnswers201AndItsStateHasTheCurrencysScale() {
        Response response = postJson("/api/accounts", """
                {"currency": "EUR", "initialBalance": 100}""");

        assertThat(response.status()).as(response.body()).isEqualTo(201);
        String id = response.json().path("streamId").asString();
        assertThat(id).startsWith("account-");
        assertThat(response.json().path("version").asLong()).isEqualTo(1);
        assertThat(LogPosition.parse(response.json().path("position").asString())).isNotNull();
        assertThat(response.header("Location")).endsWith("/api/accounts/" + id);

        JsonNode state = fetch("/api/accounts/" + id).json();
        assertThat(state.path("currency").asString()).isEqualTo("EUR");
        assertThat(state.path("balance").decimalValue()).isEqualByComparingTo("100.00");
        assertThat(state.path("balance").decimalValue().scale()).isEqualTo(2);
    }

    @Test
    void depositAndWithdrawAnswer200AndTimeTravelShowsEachBalance() {
        String account = newAccount("EUR", "10.00");

        Response deposit = postJson("/api/accounts/" + account + "/deposit", """
                {"amount": "5.25", "source": "salary"}""");
        Response withdraw = postJson("/api/accounts/" + account + "/withdraw", """
                {"amount": 12, "reason": "rent"}""");

        assertThat(deposit.status()).as(deposit.body()).isEqualTo(200);
        assertThat(deposit.json().path("version").asLong()).isEqualTo(2);
        assertThat(withdraw.status()).as(withdraw.body()).isEqualTo(200);
        assertThat(withdraw.json().path("version").asLong()).isEqualTo(3);
        assertThat(LogPosition.parse(withdraw.json().path("position").asString()))
                .isGreaterThan(LogPosition.parse(deposit.json().path("position").asString()));

        assertThat(balance("/api/accounts/" + account)).isEqualTo("3.25");
        assertThat(balance("/api/accounts/" + account + "?asOfVersion=1")).isEqualTo("10.00");
        assertThat(balance("/api/accounts/" + account + "?asOfVersion=2")).isEqualTo("15.25");

        JsonNode events = fetch("/api/streams/" + account).json().path("events");
        String depositedAt = events.path(1).path("recordedAt").asString();
        assertThat(balance("/api/accounts/" + account + "?asOf=" + URLEncoder.encode(depositedAt,
                StandardCharsets.UTF_8))).isEqualTo("15.25");
        assertThat(fetch("/api/accounts/" + account + "?asOf=2000-01-01T00:00:00Z").status()).isEqualTo(404);
    }

    @Test
    void aRetriedWithdrawalWithTheSameKeyWithdrawsOnce() {
        String account = newAccount("USD", "50");
        String key = unique("withdraw");
        String json = """
                {"amount": 30, "reason": "rent"}""";

        Response first = postJson("/api/accounts/" + account + "/withdraw", json, "Idempotency-Key", key);
        // A second, real withdrawal of 30 would be refused for insufficient funds; the retry is not one.
        Response retry = postJson("/api/accounts/" + account + "/withdraw", json, "Idempotency-Key", key);

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(retry.status()).as(retry.body()).isEqualTo(200);
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(eventsOf(account)).isEqualTo(2);
        assertThat(balance("/api/accounts/" + account)).isEqualTo("20.00");
    }

    @Test
    void aCurrencyWithoutDecimalsKeepsWholeAmounts() {
        String account = newAccount("JPY", "1e3");

        assertThat(balance("/api/accounts/" + account)).isEqualTo("1000");
    }

    private String balance(String path) {
        Response response = fetch(path);
        assertThat(response.status()).as(path + " -> " + response.body()).isEqualTo(200);
        return response.json().path("balance").decimalValue().toPlainString();
    }
}
