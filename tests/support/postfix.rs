//! A real Postfix relay on loopback, as an admin would run one: STARTTLS on ports 25 and
//! 587 and implicit TLS on 465 with a certificate a private CA signed, AUTH (Cyrus SASL,
//! one user in a sasldb) offered only over TLS, `reject_non_fqdn_helo_hostname`, and mail
//! for the mailboxes of `newshound.test` delivered into a Maildir that a test reads. Port
//! 25 takes mail for those mailboxes from anyone, as an MX does; 587 (TLS required) and
//! 465 take mail only from a client that logged in, as Debian's submission services do.
//!
//! Each instance has a configuration directory of its own (`postfix -c DIR start-fg`), its
//! own queue, and a loopback address of its own (`127.88.x.y`) so that it listens on the
//! real port numbers. Postfix must run as root; `.ci/run` installs it (Debian's
//! `postfix`, `libsasl2-modules` and `sasl2-bin`) and the tests fail under CI without it,
//! and say SKIPPED elsewhere.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use super::tls::PrivateCa;

/// The SASL user every instance knows, and its password.
pub const USER: &str = "alerts@newshound.test";
pub const PASSWORD: &str = "correct horse";
/// The addresses it has a mailbox for (all delivered into one Maildir); it refuses others.
pub const MAILBOXES: [&str; 3] = [
    "desk@newshound.test",
    "chief@newshound.test",
    "check@newshound.test",
];
/// The name on the private CA's certificate (see [`super::tls::private_ca`]).
pub const SERVER_NAME: &str = "mail.test.internal";

pub struct Postfix {
    dir: tempfile::TempDir,
    address: Ipv4Addr,
    master: Option<Child>,
}

/// One message found in the Maildir.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// `Delivered-To`: the recipient it was delivered for.
    pub to: String,
    pub message_id: String,
    pub subject: String,
    /// The `Received` header Postfix added: the client's greeting, TLS, the SASL user.
    pub received: String,
}

/// Why there is no Postfix to test against, if there is none.
fn missing() -> Option<&'static str> {
    // `/proc/self` belongs to the process's effective user.
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        return Some("Postfix needs root to start");
    }
    let installed = Command::new("dpkg")
        .args(["-s", "postfix", "libsasl2-modules", "sasl2-bin"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!installed)
        .then_some("Postfix is not installed (apt-get install postfix libsasl2-modules sasl2-bin)")
}

/// A loopback address no other instance (of this run or a leftover one) listens on.
fn free_address() -> Ipv4Addr {
    static NEXT: AtomicU8 = AtomicU8::new(1);
    let block = (std::process::id() % 250 + 1) as u8;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(n < 250, "no free loopback address for Postfix");
        let address = Ipv4Addr::new(127, 88, block, n);
        if [25, 465, 587]
            .iter()
            .all(|&port| TcpListener::bind((address, port)).is_ok())
        {
            return address;
        }
    }
}

fn id(flag: &str) -> String {
    let out = Command::new("id").args([flag, "postfix"]).output().unwrap();
    assert!(out.status.success(), "no postfix user: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl Postfix {
    /// Starts an instance with `settings` (main.cf lines) replacing or adding to the
    /// defaults above, offering the SASL `mechanisms` (Cyrus' `mech_list`); `None`, said
    /// plainly, where Postfix is missing (a failure under CI).
    pub fn start_with(
        ca: &PrivateCa,
        settings: &[(&str, &str)],
        mechanisms: &str,
    ) -> Option<Postfix> {
        if let Some(why) = missing() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{why} under CI: .ci/run installs it"
            );
            eprintln!("SKIPPED: {why}");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let address = free_address();
        let d = dir.path();
        let (uid, gid) = (id("-u"), id("-g"));
        for sub in ["conf/sasl", "queue", "data", "mail"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        let chown = |path: &Path| {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postfix:postfix")
                .arg(path)
                .status()
                .unwrap();
            assert!(status.success());
        };
        // Postfix reads the key as root; the copy keeps the CA's folder out of it.
        std::fs::copy(&ca.key, d.join("server.key")).unwrap();
        std::fs::copy(&ca.chain, d.join("server.pem")).unwrap();

        let path = |name: &str| d.join(name).display().to_string();
        let mut main: Vec<(String, String)> = [
            ("compatibility_level", "3.6".to_string()),
            ("queue_directory", path("queue")),
            ("data_directory", path("data")),
            ("command_directory", "/usr/sbin".into()),
            ("daemon_directory", "/usr/lib/postfix/sbin".into()),
            ("meta_directory", "/etc/postfix".into()),
            ("shlib_directory", "/usr/lib/postfix".into()),
            ("mail_owner", "postfix".into()),
            ("setgid_group", "postdrop".into()),
            ("myhostname", SERVER_NAME.into()),
            ("mydomain", "newshound.test".into()),
            ("mydestination", String::new()),
            // No client is trusted for its address: every message needs a login.
            ("mynetworks", "192.0.2.1/32".into()),
            ("inet_interfaces", "loopback-only".into()),
            ("inet_protocols", "ipv4".into()),
            ("alias_maps", String::new()),
            ("alias_database", String::new()),
            ("maillog_file", path("maillog")),
            ("maillog_file_prefixes", d.display().to_string()),
            ("virtual_mailbox_domains", "newshound.test".into()),
            ("virtual_mailbox_base", path("mail")),
            // Only the known mailboxes: another recipient is refused (550 5.1.1).
            (
                "virtual_mailbox_maps",
                format!(
                    "inline:{{ {} }}",
                    MAILBOXES.map(|m| format!("{m}=inbox/")).join(", ")
                ),
            ),
            ("virtual_uid_maps", format!("static:{uid}")),
            ("virtual_gid_maps", format!("static:{gid}")),
            ("virtual_minimum_uid", "1".into()),
            (
                "smtpd_tls_chain_files",
                format!("{}, {}", path("server.key"), path("server.pem")),
            ),
            ("smtpd_tls_security_level", "may".into()),
            ("smtpd_tls_received_header", "yes".into()),
            ("smtpd_sasl_auth_enable", "yes".into()),
            ("smtpd_sasl_type", "cyrus".into()),
            ("smtpd_sasl_path", "smtpd".into()),
            ("smtpd_sasl_authenticated_header", "yes".into()),
            ("smtpd_tls_auth_only", "yes".into()),
            ("smtpd_helo_required", "yes".into()),
            (
                "smtpd_helo_restrictions",
                "reject_non_fqdn_helo_hostname".into(),
            ),
            (
                "smtpd_relay_restrictions",
                "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination".into(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (key, value) in settings {
            main.retain(|(k, _)| k != key);
            main.push((key.to_string(), value.to_string()));
        }
        let main: String = main.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        std::fs::write(d.join("conf/main.cf"), main).unwrap();
        let a = address;
        let master = format!(
            "{a}:25 inet n - n - - smtpd\n\
             {a}:587 inet n - n - - smtpd {SUBMISSION} -o smtpd_tls_security_level=encrypt\n\
             {a}:465 inet n - n - - smtpd {SUBMISSION} -o smtpd_tls_wrappermode=yes\n{SERVICES}"
        );
        std::fs::write(d.join("conf/master.cf"), master).unwrap();
        // Debian's Postfix reads Cyrus' settings from $config_directory/sasl.
        std::fs::write(
            d.join("conf/sasl/smtpd.conf"),
            format!(
                "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: {}\n\
                 mech_list: {mechanisms}\n",
                path("sasldb2")
            ),
        )
        .unwrap();
        let (user, realm) = USER.split_once('@').unwrap();
        let mut saslpasswd = Command::new("/usr/sbin/saslpasswd2")
            .args(["-p", "-c", "-f"])
            .arg(d.join("sasldb2"))
            .args(["-u", realm, user])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        saslpasswd
            .stdin
            .take()
            .unwrap()
            .write_all(PASSWORD.as_bytes())
            .unwrap();
        assert!(saslpasswd.wait().unwrap().success(), "saslpasswd2");
        for owned in ["data", "mail", "sasldb2"] {
            chown(&d.join(owned));
        }

        let master = Command::new("/usr/sbin/postfix")
            .arg("-c")
            .arg(d.join("conf"))
            .arg("start-fg")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postfix");
        let postfix = Postfix {
            dir,
            address,
            master: Some(master),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while [25, 465, 587]
            .iter()
            .any(|&port| TcpStream::connect((address, port)).is_err())
        {
            assert!(
                Instant::now() < deadline,
                "Postfix did not start listening on {address}; its log:\n{}",
                postfix.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(postfix)
    }

    /// The loopback address it listens on (ports 25, 465 and 587).
    pub fn host(&self) -> String {
        self.address.to_string()
    }

    /// Its mail log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }

    /// Whether its queue is empty: every message it accepted was delivered (or bounced).
    fn queue_is_empty(&self) -> bool {
        ["incoming", "active", "deferred", "maildrop"]
            .iter()
            .all(|sub| {
                super::fixtures::files_under(&self.dir.path().join("queue").join(sub)).is_empty()
            })
    }

    /// The messages in the Maildir once the queue has drained (waiting up to 30 s for at
    /// least `at_least` of them), oldest first.
    pub fn mailbox(&self, at_least: usize) -> Vec<Delivered> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self.read_mailbox();
            if found.len() >= at_least && self.queue_is_empty() {
                return found;
            }
            if Instant::now() > deadline {
                panic!(
                    "{} of {at_least} messages delivered; the log:\n{}",
                    found.len(),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn read_mailbox(&self) -> Vec<Delivered> {
        let inbox = self.dir.path().join("mail/inbox");
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .flat_map(|sub| {
                std::fs::read_dir(inbox.join(sub))
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.ok().map(|e| e.path()))
            })
            .collect();
        // Maildir names start with the delivery time in seconds.
        files.sort();
        files
            .iter()
            .map(|file| parse(&std::fs::read_to_string(file).unwrap()))
            .collect()
    }
}

/// The headers a test looks at, unfolded.
fn parse(message: &str) -> Delivered {
    let head = message.split("\n\n").next().unwrap_or_default();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        match headers.last_mut() {
            Some((_, value)) if line.starts_with([' ', '\t']) => {
                value.push(' ');
                value.push_str(line.trim());
            }
            _ => {
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
                }
            }
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // Postfix puts its own `Received` above the ones already there; the first is its.
    Delivered {
        to: header("delivered-to"),
        message_id: header("message-id"),
        subject: header("subject"),
        received: header("received"),
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("/usr/sbin/postfix")
            .arg("-c")
            .arg(self.dir.path().join("conf"))
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(mut master) = self.master.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(master.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = master.kill();
            let _ = master.wait();
        }
    }
}

/// The submission ports take mail only from a client that logged in, as in Debian's
/// master.cf.
const SUBMISSION: &str = "-o smtpd_sasl_auth_enable=yes \
                          -o smtpd_client_restrictions=permit_sasl_authenticated,reject";

/// The services of Debian's master.cf that a relay delivering to a Maildir needs, none
/// of them chrooted.
const SERVICES: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";
