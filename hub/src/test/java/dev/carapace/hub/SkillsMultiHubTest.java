package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.carapace.client.HubException;
import dev.carapace.client.skills.SkillsClient;
import dev.carapace.crypto.Dsse;
import dev.carapace.skills.NamespaceClaim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two hub processes on one PostgreSQL: racing claims of one namespace leave one owner and one logged claim. */
class SkillsMultiHubTest {
    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    @Test
    void racingClaimsAcrossHubsLogExactlyOne() throws Exception {
        String db = Backend.POSTGRESQL.freshDatabase(dirA);
        try (HubFixture a = new HubFixture(Backend.POSTGRESQL, dirA, db, HubFixture.generousLimits())) {
            Files.copy(dirA.resolve("master.key"), dirB.resolve("master.key"), StandardCopyOption.COPY_ATTRIBUTES);
            try (HubFixture b = new HubFixture(Backend.POSTGRESQL, dirB, db, HubFixture.generousLimits())) {
                List<HubFixture.Party> parties = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    parties.add(a.agent());
                }
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < parties.size(); i++) {
                    HubFixture.Party p = parties.get(i);
                    SkillsClient via = new SkillsClient(i % 2 == 0 ? a.client : b.client);
                    results.add(pool.submit((Callable<Integer>) () -> {
                        try {
                            via.claimNamespace(p.signer(), "contested", false);
                            return 201;
                        } catch (HubException e) {
                            return e.status();
                        }
                    }));
                }
                List<Integer> statuses = new ArrayList<>();
                for (Future<Integer> f : results) {
                    statuses.add(f.get());
                }
                pool.shutdown();
                assertThat(statuses).containsOnly(201, 403);
                assertThat(statuses.stream().filter(s -> s == 201)).hasSize(1);

                int logged = a.hub.database().read(c -> {
                    int n = 0;
                    try (PreparedStatement ps = c.prepareStatement("SELECT entry FROM log_entries");
                         ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            try {
                                Dsse.Envelope env = Dsse.fromJson(rs.getBytes(1));
                                if (env.payloadType().equals(NamespaceClaim.PAYLOAD_TYPE)) {
                                    n++;
                                }
                            } catch (Exception notAnEnvelope) {
                                // identity events and other entries
                            }
                        }
                    }
                    return n;
                });
                assertThat(logged).isEqualTo(1);
                assertThat(new SkillsClient(b.client).namespace("contested").get("logIndex").asLong()).isPositive();
            }
        }
    }
}
