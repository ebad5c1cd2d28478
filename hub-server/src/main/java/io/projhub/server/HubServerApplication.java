package io.projhub.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The runnable hub: wires hub-core, the projectors and the consistency monitor; serves REST and actuator. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class HubServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(HubServerApplication.class, args);
    }
}
