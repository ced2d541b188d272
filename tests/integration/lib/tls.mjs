// A throwaway certificate authority and server certificates made with the `openssl` command, for
// the TLS tests (each test run gets its own, in a temporary directory).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function openssl(args, cwd) {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

// Makes dir/ca.pem (+ ca.key). Returns { dir, ca, ca_file, issue(name, serial), cleanup() };
// issue() writes dir/<name>.pem and dir/<name>.key: a P-256 server certificate signed by the CA
// for IP:127.0.0.1 and DNS:localhost, with the subject CN "soket test <name>" and that serial.
export function make_test_ca() {
  const dir = mkdtempSync(join(tmpdir(), "soket-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=soket test CA"], dir);
  writeFileSync(
    join(dir, "server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
  );
  const issue = (name, serial) => {
    openssl(["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=soket test ${name}`], dir);
    openssl(
      ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", String(serial),
       "-days", "2", "-extfile", "server.ext", "-out", `${name}.pem`],
      dir,
    );
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  };
  const ca_file = join(dir, "ca.pem");
  return { dir, ca_file, ca: readFileSync(ca_file), issue, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// What `soket ... --tls-cert` prints once it listens.
export const TLS_LISTENING_LINE = /listening on (https:\/\/\S+)/;
