package dev.carapace.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the hub listens: loopback by default, TLS from PEM files, and no clear-text public bind by accident. */
class TransportTest {
    @TempDir
    Path dir;

    @Test
    void aPublicBindWithoutTlsIsRefused() {
        assertThatThrownBy(() -> Hub.start(HubConfig.defaults(dir).withPort(0).withBind("0.0.0.0", false)))
                .isInstanceOf(Hub.StartException.class)
                .hasMessageContaining("--insecure-bind");
    }

    @Test
    void servesHttpsFromPemFiles() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "SKIPPED: openssl is not installed, so no test certificate can be made");
            return;
        }
        assumeTrue(p.waitFor() == 0, "SKIPPED: openssl could not make a test certificate");

        try (Hub hub = Hub.start(HubConfig.defaults(dir.resolve("data")).withPort(0).withTls(cert, key))) {
            assertThat(hub.url().getScheme()).isEqualTo("https");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("hub", (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(Files.newInputStream(cert)));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient http = HttpClient.newBuilder().sslContext(ssl).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(hub.url() + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("ok");
        }
    }
}
