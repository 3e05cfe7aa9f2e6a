// Test certificates made on the spot with openssl (never downloaded): a CA, a server cert for localhost and
// 127.0.0.1, a client cert, an expired server cert, and a second CA nobody trusts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCerts {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  expiredCert: string;
  expiredKey: string;
  otherCaCert: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: "pipe" });
}

let cached: TestCerts | undefined;

export function makeTestCerts(): TestCerts {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "pyro4-certs-"));
  const ca = (name: string) => {
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${name}`], dir);
  };
  ca("ca");
  ca("otherca");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth,clientAuth\n");
  const leaf = (name: string, cn: string, days: string[]) => {
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`], dir);
    openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-extfile", "san.ext", ...days], dir);
  };
  leaf("server", "localhost", ["-days", "2"]);
  leaf("client", "pyro4-test-client", ["-days", "2"]);
  // expired: valid from 3 days ago to 2 days ago (`openssl ca` takes explicit dates on OpenSSL 3.0)
  const fmt = (d: Date) => d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
  const now = Date.now();
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "ca.cnf"), [
    "[ca]", "default_ca=tca", "[tca]", "database=index.txt", "new_certs_dir=.", "certificate=ca.pem", "private_key=ca.key",
    "default_md=sha256", "policy=pol", "serial=ca.srl", "copy_extensions=none", "unique_subject=no", "x509_extensions=ext",
    "[pol]", "commonName=supplied", "[ext]", "subjectAltName=DNS:localhost,IP:127.0.0.1", "",
  ].join("\n"));
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "expired.key", "-out", "expired.csr", "-subj", "/CN=localhost"], dir);
  openssl(["ca", "-batch", "-config", "ca.cnf", "-in", "expired.csr", "-out", "expired.pem", "-notext",
    "-startdate", fmt(new Date(now - 3 * 86400_000)), "-enddate", fmt(new Date(now - 2 * 86400_000))], dir);
  cached = {
    dir,
    caCert: join(dir, "ca.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.pem"),
    clientKey: join(dir, "client.key"),
    expiredCert: join(dir, "expired.pem"),
    expiredKey: join(dir, "expired.key"),
    otherCaCert: join(dir, "otherca.pem"),
  };
  return cached;
}
