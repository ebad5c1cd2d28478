package io.projhub.projectors.influxdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.domain.InfluxQLQuery;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.query.InfluxQLQueryResult;

import io.projhub.testsupport.RealStores;
import io.projhub.testsupport.StoreEndpoints;

@RealStores
class InfluxConnectivityTest {

    @Test
    void aPointWrittenWithTheV2WriteApiIsReadBackWithInfluxQL(StoreEndpoints stores) {
        try (InfluxDBClient influx = InfluxConnector.connect(
                stores.influxUrl(), stores.influxToken(), stores.influxOrg(), stores.influxBucket())) {
            assertThat(influx.ping()).isTrue();
            String run = UUID.randomUUID().toString();
            long timestamp = 1_700_000_000_000L;
            influx.getWriteApiBlocking().writeRecords(WritePrecision.MS, List.of(
                    "connectivity_check,run=" + run + ",status=CREATED amount=12.5,count=3i " + timestamp,
                    "connectivity_check,run=" + run + ",status=SHIPPED amount=7.5,count=1i " + (timestamp + 1)));

            InfluxQLQueryResult result = influx.getInfluxQLQueryApi().queryJSON(new InfluxQLQuery(
                    "SELECT sum(amount) AS amount, sum(count) AS count FROM connectivity_check WHERE run = '" + run + "'",
                    stores.influxBucket()));

            var series = result.getResults().get(0).getSeries();
            assertThat(series).hasSize(1);
            var row = series.get(0).getValues().get(0);
            // The client hands InfluxQL values over as text.
            assertThat(Double.parseDouble(String.valueOf(row.getValueByKey("amount")))).isEqualTo(20.0);
            assertThat(Long.parseLong(String.valueOf(row.getValueByKey("count")))).isEqualTo(4L);
        }
    }
}
