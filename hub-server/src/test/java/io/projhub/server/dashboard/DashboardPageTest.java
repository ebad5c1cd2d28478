package io.projhub.server.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.projhub.server.HubTestBase;

/** The dashboard is served by the hub itself, from its root, with everything it loads (no CDN). */
class DashboardPageTest extends HubTestBase {

    private static final List<String> ASSETS = List.of("/dashboard.html", "/dashboard.js", "/dashboard.css");

    @Test
    void theRootSendsABrowserToTheDashboard() throws Exception {
        HttpResponse<String> root = get("/");

        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/dashboard.html"));
    }

    @Test
    void theDashboardAndItsChartLibraryComeFromTheHub() throws Exception {
        for (String asset : ASSETS) {
            assertThat(get(asset).statusCode()).as(asset).isEqualTo(200);
        }
        HttpResponse<String> chartJs = get("/webjars/chart.js/dist/chart.umd.min.js");
        assertThat(chartJs.statusCode()).isEqualTo(200);
        assertThat(chartJs.body()).contains("Chart");
        assertThat(get("/dashboard.html").body()).contains("/webjars/chart.js/dist/chart.umd.min.js");
    }

    @Test
    void theDashboardLoadsNothingFromElsewhereAndInsertsDataOnlyAsText() throws Exception {
        for (String asset : ASSETS) {
            String body = get(asset).body();
            assertThat(body).as(asset + " must not load from another host").doesNotContain("http://", "https://", "//cdn");
            assertThat(body).as(asset + " must not build markup from data").doesNotContain("innerHTML", "outerHTML",
                    "insertAdjacentHTML", "document.write");
        }
    }
}
