//! Network namespaces for tests, created with iproute2 (`ip`) and deleted by a Drop guard,
//! also when the test fails. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN); a test that needs
//! namespaces and cannot create them fails with a message saying why.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::process::run;

/// Two namespaces joined by a veth pair: `a` holds `veth_a` with `address_a`/24, `b` holds
/// `veth_b` with `address_b`/24; loopback and both veth ends are up, multicast is on.
pub struct NamespacePair {
    pub a: String,
    pub b: String,
    pub veth_a: String,
    pub veth_b: String,
    pub address_a: Ipv4Addr,
    pub address_b: Ipv4Addr,
    _cleanup: Cleanup,
}

/// What was created, deleted in reverse order on drop.
#[derive(Default)]
struct Cleanup {
    namespaces: Vec<String>,
    /// A veth end that may still be in the root namespace if a step after its creation failed.
    veth: Option<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        // Deleting a namespace destroys the veth end inside it, and with it the pair.
        for namespace in self.namespaces.drain(..).rev() {
            if let Err(err) = run("ip", &["netns", "delete", &namespace]) {
                eprintln!("cleanup: {err}");
            }
        }
        if let Some(veth) = self.veth.take()
            && run("ip", &["link", "show", "dev", &veth]).is_ok()
            && let Err(err) = run("ip", &["link", "delete", "dev", &veth])
        {
            eprintln!("cleanup: {err}");
        }
    }
}

/// Fails the test: namespaces are required, never skipped.
fn cannot(step: &str, err: &str) -> ! {
    panic!(
        "this test needs network namespaces and could not create them ({step}): {err}\n\
         It must run as root (CAP_NET_ADMIN, CAP_SYS_ADMIN) with iproute2 installed \
         (`apt-get install -y iproute2`; scripts/test installs it when missing)."
    )
}

/// One namespace, created by this guard (after deleting a stale one of the same name left by a
/// killed run of this process id).
fn add_namespace(cleanup: &mut Cleanup, name: &str) {
    let _ = run("ip", &["netns", "delete", name]);
    if let Err(err) = run("ip", &["netns", "add", name]) {
        cannot("ip netns add", &err);
    }
    cleanup.namespaces.push(name.to_string());
    if let Err(err) = run("ip", &["-n", name, "link", "set", "dev", "lo", "up"]) {
        cannot("bring lo up", &err);
    }
}

impl NamespacePair {
    /// Creates the pair with names unique to this process and call, on subnet
    /// `10.231.<pid % 250>.0/24` (private; it exists only inside the two namespaces).
    pub fn create() -> Self {
        static CREATED: AtomicU32 = AtomicU32::new(0);
        let pid = std::process::id();
        let n = CREATED.fetch_add(1, Ordering::Relaxed);
        let a = format!("netabase-{pid}-{n}-a");
        let b = format!("netabase-{pid}-{n}-b");
        // Interface names have at most 15 bytes: "nb" + 7 + at most 5 + 1.
        let veth_a = format!("nb{}x{n}a", pid % 10_000_000);
        let veth_b = format!("nb{}x{n}b", pid % 10_000_000);
        let subnet = (pid % 250) as u8;
        let address_a = Ipv4Addr::new(10, 231, subnet, 1);
        let address_b = Ipv4Addr::new(10, 231, subnet, 2);

        let mut guard = Cleanup::default();
        add_namespace(&mut guard, &a);
        add_namespace(&mut guard, &b);
        guard.veth = Some(veth_a.clone());
        if let Err(err) = run(
            "ip",
            &[
                "link", "add", &veth_a, "netns", &a, "type", "veth", "peer", "name", &veth_b,
                "netns", &b,
            ],
        ) {
            cannot("create the veth pair", &err);
        }
        for (namespace, veth, address) in [(&a, &veth_a, address_a), (&b, &veth_b, address_b)] {
            let cidr = format!("{address}/24");
            let steps: [&[&str]; 3] = [
                &["-n", namespace, "addr", "add", &cidr, "dev", veth],
                &[
                    "-n",
                    namespace,
                    "link",
                    "set",
                    "dev",
                    veth,
                    "multicast",
                    "on",
                ],
                &["-n", namespace, "link", "set", "dev", veth, "up"],
            ];
            for step in steps {
                if let Err(err) = run("ip", step) {
                    cannot("configure a veth end", &err);
                }
            }
        }
        NamespacePair {
            a,
            b,
            veth_a,
            veth_b,
            address_a,
            address_b,
            _cleanup: guard,
        }
    }
}

/// Whether a namespace called `name` exists.
pub fn namespace_exists(name: &str) -> bool {
    std::path::Path::new("/run/netns").join(name).exists()
}

/// Whether the root namespace has an interface called `name`.
pub fn root_interface_exists(name: &str) -> bool {
    run("ip", &["link", "show", "dev", name]).is_ok()
}

/// One namespace with only its loopback interface (up): a process in it reaches nothing
/// outside, and mDNS there finds no interface to announce on.
pub struct IsolatedNamespace {
    pub name: String,
    _cleanup: Cleanup,
}

impl IsolatedNamespace {
    pub fn create() -> Self {
        static CREATED: AtomicU32 = AtomicU32::new(0);
        let n = CREATED.fetch_add(1, Ordering::Relaxed);
        let name = format!("netabase-{}-isolated-{n}", std::process::id());
        let mut cleanup = Cleanup::default();
        add_namespace(&mut cleanup, &name);
        IsolatedNamespace {
            name,
            _cleanup: cleanup,
        }
    }
}
