package io.projhub.server.dashboard;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The ops dashboard is static ({@code static/dashboard.html}, polling the JSON API); the hub's root sends a browser
 * there, so {@code http://host:8080/} is the address to give the on-call team.
 */
@Configuration(proxyBeanMethods = false)
public class DashboardConfiguration implements WebMvcConfigurer {

    public static final String DASHBOARD_PATH = "/dashboard.html";

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/", DASHBOARD_PATH);
        registry.addRedirectViewController("/dashboard", DASHBOARD_PATH);
    }
}
