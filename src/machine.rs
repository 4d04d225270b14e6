//! [`machine()`]: what the crate found out about the machine it runs on.

use std::fmt;
use std::sync::OnceLock;

use crate::kernel::{Caches, Simd};

/// The machine as `parmat` sizes its work for it: the instruction-set level of its kernels,
/// the cores, and the data caches its blocks are cut to.
///
/// Get it with [`machine()`]. Everything in it is detected once per process, at the first
/// product that needs it (or the first call of [`machine()`]).
///
/// # Examples
///
/// ```
/// let m = parmat::machine();
/// assert!(m.cores() >= 1);
/// assert_eq!(m.simd(), parmat::Simd::default_level());
/// // "avx512 kernels, 2 cores; L1d 32 KiB, L2 1 MiB, L3 32 MiB (Linux sysfs)", say
/// println!("{m}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machine {
    simd: Simd,
    cores: usize,
    caches: Caches,
}

impl Machine {
    /// The instruction-set level the kernels run at: [`Simd::default_level`] (the best the
    /// CPU supports, unless `PARMAT_SIMD` chose a lower one).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::machine().simd().is_available());
    /// ```
    pub fn simd(&self) -> Simd {
        self.simd
    }

    /// The cores (hardware threads) available to this process, as
    /// [`std::thread::available_parallelism`] reports them; 1 if it cannot tell.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::machine().cores() >= 1);
    /// ```
    pub fn cores(&self) -> usize {
        self.cores
    }

    /// The data caches of one core, which size the blocks of the blocked and row loops.
    ///
    /// # Examples
    ///
    /// ```
    /// let caches = parmat::machine().caches();
    /// assert!(caches.l2 >= caches.l1d);
    /// ```
    pub fn caches(&self) -> Caches {
        self.caches
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.cores == 1 { "" } else { "s" };
        write!(
            f,
            "{} kernels, {} core{plural}; {}",
            self.simd, self.cores, self.caches
        )
    }
}

/// What `parmat` detected about this machine (instruction set, cores, caches), once per
/// process.
///
/// # Examples
///
/// ```
/// let machine = parmat::machine();
/// println!("{machine}");
/// assert!(machine.caches().l1d >= 16 * 1024);
/// ```
pub fn machine() -> &'static Machine {
    static MACHINE: OnceLock<Machine> = OnceLock::new();
    MACHINE.get_or_init(|| Machine {
        simd: Simd::default_level(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        caches: Caches::detected(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The machine reports the caches the loops are sized by.
    #[test]
    fn machine_reports_the_caches_in_use() {
        assert_eq!(machine().caches(), Caches::detected());
        let text = machine().to_string();
        assert!(
            text.contains(" kernels, ") && text.contains("L1d "),
            "{text}"
        );
    }
}
