//! The data caches of the machine, read once per process, and the block budgets of the
//! loops derived from them.
//!
//! The budgets are the fractions of each cache that the blocked and row loops were tuned to
//! on a core with 32 KiB of L1d, 1 MiB of L2 and 32 MiB of L3 (docs/tuning-notes.md): half
//! of L1d for an A micro-panel, all of it for the deep panel of the hand-written kernels,
//! half of L2 for the reused working set of the row loop, all of it for a block of packed
//! B, a quarter of L3 for packed A. Those fractions carry to other caches, so a core with a
//! 48 KiB L1d gets deeper blocks and one with 2 MiB of L2 wider ones.

use std::fmt;
use std::sync::OnceLock;

/// The per-core data cache sizes the crate's loops are sized by, in bytes, as detected when
/// first needed.
///
/// Detection reads `/sys/devices/system/cpu/cpu0/cache` on Linux, then the CPUID cache
/// leaves on x86-64 (leaf 4 on Intel, 0x8000001D on AMD); where neither answers, it assumes
/// [`Caches::FALLBACK`]. [`machine()`](crate::machine()) reports what was found.
///
/// # Examples
///
/// ```
/// let caches = parmat::machine().caches();
/// assert!(caches.l1d >= 16 * 1024 && caches.l2 >= caches.l1d);
/// println!("{caches}"); // "L1d 32 KiB, L2 1 MiB, L3 32 MiB (Linux sysfs)", say
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Caches {
    /// Level-1 data cache of one core.
    pub l1d: usize,
    /// Level-2 cache of one core.
    pub l2: usize,
    /// Last-level (level-3) cache, if the machine has one (shared between cores).
    pub l3: Option<usize>,
    /// Where the sizes come from.
    pub source: CacheSource,
}

/// Where [`Caches`] got its sizes.
///
/// # Examples
///
/// ```
/// use parmat::CacheSource;
///
/// let source = parmat::machine().caches().source;
/// assert!(matches!(source, CacheSource::Sysfs | CacheSource::Cpuid | CacheSource::Fallback));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheSource {
    /// Linux's `/sys/devices/system/cpu/cpu0/cache`.
    Sysfs,
    /// The x86 CPUID instruction's cache leaves.
    Cpuid,
    /// Nothing answered: [`Caches::FALLBACK`].
    Fallback,
}

impl Caches {
    /// The sizes assumed when nothing can be detected (a WebAssembly host, an operating
    /// system without the Linux interface on a non-x86 CPU): the common ones of recent
    /// desktop and server cores, 32 KiB of L1d and 1 MiB of L2.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Caches::FALLBACK.l1d, 32 * 1024);
    /// ```
    pub const FALLBACK: Caches = Caches {
        l1d: 32 * 1024,
        l2: 1024 * 1024,
        l3: None,
        source: CacheSource::Fallback,
    };

    /// The caches of this machine, detected once per process.
    pub(crate) fn detected() -> Caches {
        static DETECTED: OnceLock<Caches> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            from_sysfs()
                .or_else(from_cpuid)
                .map(Caches::plausible)
                .unwrap_or(Caches::FALLBACK)
        })
    }

    /// Sizes kept within what real cores have, so that a misreported value (a virtual
    /// machine's zero, a whole package's L2) cannot size a block absurdly.
    fn plausible(self) -> Caches {
        let l1d = self.l1d.clamp(16 * 1024, 256 * 1024);
        Caches {
            l1d,
            l2: self.l2.clamp(128 * 1024, 16 * 1024 * 1024).max(l1d),
            l3: self.l3.map(|l3| l3.clamp(1024 * 1024, 1024 * 1024 * 1024)),
            source: self.source,
        }
    }
}

/// Sizes in KiB or MiB, whichever is whole.
fn bytes(f: &mut fmt::Formatter<'_>, size: usize) -> fmt::Result {
    const MIB: usize = 1024 * 1024;
    if size >= MIB && size.is_multiple_of(MIB) {
        write!(f, "{} MiB", size / MIB)
    } else {
        write!(f, "{} KiB", size / 1024)
    }
}

impl fmt::Display for Caches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("L1d ")?;
        bytes(f, self.l1d)?;
        f.write_str(", L2 ")?;
        bytes(f, self.l2)?;
        if let Some(l3) = self.l3 {
            f.write_str(", L3 ")?;
            bytes(f, l3)?;
        }
        f.write_str(match self.source {
            CacheSource::Sysfs => " (Linux sysfs)",
            CacheSource::Cpuid => " (CPUID)",
            CacheSource::Fallback => " (not detected: assumed)",
        })
    }
}

/// A size as sysfs writes it: `32K`, `1024K`, `32M`, or plain bytes.
fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let (digits, unit) = match text.as_bytes().last()? {
        b'K' => (&text[..text.len() - 1], 1024),
        b'M' => (&text[..text.len() - 1], 1024 * 1024),
        b'G' => (&text[..text.len() - 1], 1024 * 1024 * 1024),
        _ => (text, 1),
    };
    digits.parse::<usize>().ok()?.checked_mul(unit)
}

/// The caches of CPU 0 as Linux lists them (one `indexN` directory per cache).
fn from_sysfs() -> Option<Caches> {
    if cfg!(miri) || !cfg!(target_os = "linux") {
        return None;
    }
    let (mut l1d, mut l2, mut l3) = (None, None, None);
    let dir = std::fs::read_dir("/sys/devices/system/cpu/cpu0/cache").ok()?;
    for entry in dir.flatten() {
        let read = |name: &str| std::fs::read_to_string(entry.path().join(name)).ok();
        let (Some(level), Some(kind), Some(size)) = (read("level"), read("type"), read("size"))
        else {
            continue;
        };
        let size = parse_size(&size);
        match (level.trim(), kind.trim()) {
            ("1", "Data" | "Unified") => l1d = size,
            ("2", "Data" | "Unified") => l2 = size,
            ("3", "Data" | "Unified") => l3 = size,
            _ => {}
        }
    }
    Some(Caches {
        l1d: l1d?,
        l2: l2?,
        l3,
        source: CacheSource::Sysfs,
    })
}

/// The caches from CPUID's deterministic cache leaves (raw-cpuid reads leaf 4 on Intel and
/// 0x8000001D on AMD).
#[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), not(miri)))]
fn from_cpuid() -> Option<Caches> {
    use raw_cpuid::{CacheType, CpuId};
    let (mut l1d, mut l2, mut l3) = (None, None, None);
    for cache in CpuId::new().get_cache_parameters()? {
        let size = cache.associativity()
            * cache.physical_line_partitions()
            * cache.coherency_line_size()
            * cache.sets();
        let data = matches!(cache.cache_type(), CacheType::Data | CacheType::Unified);
        match (cache.level(), data) {
            (1, true) => l1d = Some(size),
            (2, true) => l2 = Some(size),
            (3, true) => l3 = Some(size),
            _ => {}
        }
    }
    Some(Caches {
        l1d: l1d?,
        l2: l2?,
        l3,
        source: CacheSource::Cpuid,
    })
}

#[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), not(miri))))]
fn from_cpuid() -> Option<Caches> {
    None
}

/// Bytes of each working set of the loops, as fractions of the caches (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budgets {
    /// The innermost working set of the row loop: half of L1d.
    pub(crate) l1: usize,
    /// The reused block of the row loop, and the bound on a whole-B panel: half of L2.
    pub(crate) l2: usize,
    /// An A micro-panel (`MR × kc`) of the portable kernel, and of the hand-written ones on
    /// tall products: half of L1d.
    pub(crate) a_panel: usize,
    /// An A micro-panel of the hand-written kernels: all of L1d (the B micro-panel streams).
    pub(crate) deep_a_panel: usize,
    /// A block of packed B (`kc × nc`): all of L2.
    pub(crate) b_block: usize,
    /// Most bytes of packed A held at once: a quarter of L3 (8 MiB without one).
    pub(crate) a_block: usize,
    /// A's depth slice (`m × kc`) up to which the deep panel is used: half of L3 (16 MiB
    /// without one).
    pub(crate) deep_a_slice: usize,
}

impl Budgets {
    pub(crate) fn for_caches(caches: &Caches) -> Budgets {
        Budgets {
            l1: caches.l1d / 2,
            l2: caches.l2 / 2,
            a_panel: caches.l1d / 2,
            deep_a_panel: caches.l1d,
            b_block: caches.l2,
            a_block: caches.l3.map_or(8 * 1024 * 1024, |l3| l3 / 4),
            deep_a_slice: caches.l3.map_or(16 * 1024 * 1024, |l3| l3 / 2),
        }
    }
}

/// The budgets of this machine's caches.
pub(crate) fn budgets() -> &'static Budgets {
    static BUDGETS: OnceLock<Budgets> = OnceLock::new();
    BUDGETS.get_or_init(|| Budgets::for_caches(&Caches::detected()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysfs_sizes_parse() {
        assert_eq!(parse_size("32K\n"), Some(32 * 1024));
        assert_eq!(parse_size("1024K"), Some(1024 * 1024));
        assert_eq!(parse_size("32M"), Some(32 * 1024 * 1024));
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(parse_size("K"), None);
        assert_eq!(parse_size(""), None);
    }

    /// The caches the loops were tuned on give the budgets they were tuned to.
    #[test]
    fn the_tuning_machine_gives_the_tuned_budgets() {
        let zen4 = Caches {
            l1d: 32 * 1024,
            l2: 1024 * 1024,
            l3: Some(32 * 1024 * 1024),
            source: CacheSource::Sysfs,
        };
        let b = Budgets::for_caches(&zen4);
        assert_eq!((b.l1, b.l2), (16 * 1024, 512 * 1024));
        assert_eq!((b.a_panel, b.deep_a_panel), (16 * 1024, 32 * 1024));
        assert_eq!(b.b_block, 1024 * 1024);
        assert_eq!((b.a_block, b.deep_a_slice), (8 << 20, 16 << 20));
        assert_eq!(Budgets::for_caches(&Caches::FALLBACK).a_block, 8 << 20);
    }

    /// Misreported sizes are kept within real cores' range.
    #[test]
    fn implausible_sizes_are_clamped() {
        let odd = Caches {
            l1d: 0,
            l2: 64 * 1024 * 1024,
            l3: Some(1),
            source: CacheSource::Cpuid,
        }
        .plausible();
        assert_eq!(odd.l1d, 16 * 1024);
        assert_eq!(odd.l2, 16 * 1024 * 1024);
        assert_eq!(odd.l3, Some(1024 * 1024));
    }

    #[test]
    fn caches_print_in_whole_units() {
        let zen5 = Caches {
            l1d: 48 * 1024,
            l2: 1024 * 1024,
            l3: Some(32 * 1024 * 1024),
            source: CacheSource::Cpuid,
        };
        assert_eq!(zen5.to_string(), "L1d 48 KiB, L2 1 MiB, L3 32 MiB (CPUID)");
        assert_eq!(
            Caches::FALLBACK.to_string(),
            "L1d 32 KiB, L2 1 MiB (not detected: assumed)"
        );
    }

    /// On Linux the detected sizes are sysfs's own.
    #[test]
    #[cfg(all(target_os = "linux", not(miri)))]
    fn linux_reads_sysfs() {
        if let Some(sysfs) = from_sysfs() {
            assert_eq!(Caches::detected(), sysfs.plausible());
        } else {
            eprintln!("no cache information in /sys on this machine: skipping");
        }
    }
}
