package dev.carapace.hub.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.carapace.client.HubException;
import dev.carapace.crypto.Dsse;
import dev.carapace.crypto.InTotoStatement;
import dev.carapace.crypto.Json;
import dev.carapace.hub.Backend;
import dev.carapace.hub.HubFixture;
import dev.carapace.hub.limits.RateLimiter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Found in the review of the log batch route: a batch refused for want of tokens gave back the token its own request
 * had spent, so an identity could send signed requests without end (each one a signature verification and a nonce
 * written) while its budget stayed whole. A refused batch now keeps the request's own token, as any request does.
 */
@ParameterizedClass
@EnumSource(Backend.class)
class BatchRefundAttackTest {
    private static final int PER_MINUTE = 10;

    @Parameter
    Backend backend;

    @TempDir
    Path dir;

    @Test
    void refusedBatchesSpendTheBudgetLikeAnyRequest() throws Exception {
        RateLimiter.Limits limits = new RateLimiter.Limits(1_000_000, Map.of(RateLimiter.Tier.NEW, PER_MINUTE,
                RateLimiter.Tier.ANONYMOUS, PER_MINUTE, RateLimiter.Tier.VERIFIED, PER_MINUTE,
                RateLimiter.Tier.TRUSTED, PER_MINUTE));
        try (HubFixture f = new HubFixture(backend, dir, backend.freshDatabase(dir), limits)) {
            HubFixture.Party agent = f.agent(); // the registration is the first of its ten
            List<Dsse.Envelope> batch = new ArrayList<>();
            for (int i = 0; i < PER_MINUTE; i++) {
                batch.add(new InTotoStatement(List.of(new InTotoStatement.Subject("s" + i, "00".repeat(32))),
                        "https://carapace.dev/attestations/test/v1", Json.object())
                        .sign(agent.log().currentKeyId(), agent.key()));
            }
            // A batch of ten never fits in the nine tokens left; each refusal must still cost its request.
            for (int i = 0; i < 3 * PER_MINUTE; i++) {
                Throwable t = catchThrowable(() -> f.client.appendAllToLog(agent.signer(), batch));
                assertThat(((HubException) t).status()).isEqualTo(429);
            }
            // The budget is spent: of ten more signed requests sent at once, at most one (a refill) gets through.
            int passed = 0;
            for (int i = 0; i < PER_MINUTE; i++) {
                int status = f.client.sendRaw("GET", "/v1/agents/" + agent.id() + "/owner", new byte[0],
                        agent.signer(), Map.of()).statusCode();
                if (status != 429) {
                    passed++;
                }
            }
            assertThat(passed).as("signed requests that got past a budget the refused batches should have spent")
                    .isLessThanOrEqualTo(1);
        }
    }
}
