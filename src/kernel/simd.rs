//! The instruction-set levels of the hand-written kernels, detected once per process.

use std::sync::OnceLock;

/// The instruction set of the microkernel the [`Blocked`](crate::Blocked) strategy uses.
///
/// By default the best one this CPU supports is used, detected once per process. Set the
/// environment variable `PARMAT_SIMD` to `portable`, `neon`, `avx2` or `avx512` (read once,
/// at the first blocked product) to cap it, or choose per strategy with
/// [`Blocked::with_simd`](crate::Blocked::with_simd). A level the CPU lacks is never run:
/// the best supported level below it is used instead.
///
/// The levels are ordered `Portable < Neon < Avx2 < Avx512`, so a cap reads as "at most":
/// on an aarch64 CPU, `Avx512` or `Avx2` asks for the best level there is, NEON; on x86-64,
/// `Neon` caps to the portable kernel.
///
/// Hand-written kernels exist for `f32`, `f64`, `i32`, `u32`, `i64` and `u64` on x86-64
/// (AVX2, AVX-512), and for `f32`, `f64`, `i32` and `u32` on aarch64 (NEON, which has no
/// 64-bit integer multiply); with the `complex` feature, also for `Complex<f32>` and
/// `Complex<f64>` at every level. Every other element type always uses the portable kernel.
/// More levels may come: the enum is `#[non_exhaustive]`.
///
/// # Examples
///
/// ```
/// use parmat::Simd;
/// let best = Simd::detected();
/// assert!(best.is_available());
/// assert!(Simd::Portable.is_available());
/// assert!(Simd::Portable <= best);
/// println!("blocked products run the {best} kernels");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Simd {
    /// The portable kernel: plain Rust, vectorised as far as the compiler manages.
    Portable,
    /// aarch64 Advanced SIMD (NEON, 128-bit vectors), part of every aarch64 CPU.
    Neon,
    /// x86-64 AVX2 with FMA (256-bit vectors).
    Avx2,
    /// x86-64 AVX-512 F and DQ (512-bit vectors).
    Avx512,
}

impl Simd {
    /// Every level, lowest first.
    pub(crate) const ALL: [Simd; 4] = [Simd::Portable, Simd::Neon, Simd::Avx2, Simd::Avx512];

    /// Every level, lowest first, whether this CPU supports it or not.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Simd;
    /// // The levels this CPU can run, best first.
    /// let runnable: Vec<Simd> =
    ///     Simd::all().iter().rev().copied().filter(|s| s.is_available()).collect();
    /// assert_eq!(runnable[0], Simd::detected());
    /// assert_eq!(*runnable.last().unwrap(), Simd::Portable);
    /// ```
    pub fn all() -> &'static [Simd] {
        &Simd::ALL
    }

    /// The best level this CPU supports.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::Simd::detected().is_available());
    /// ```
    pub fn detected() -> Simd {
        static DETECTED: OnceLock<Simd> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            Simd::ALL
                .into_iter()
                .rev()
                .find(|s| s.is_available())
                .unwrap_or(Simd::Portable)
        })
    }

    /// Whether this CPU can run the level's kernels.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::Simd::Portable.is_available());
    /// ```
    pub fn is_available(self) -> bool {
        match self {
            Simd::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Simd::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Simd::Avx512 => {
                std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
            }
            #[cfg(target_arch = "aarch64")]
            Simd::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            _ => false,
        }
    }

    /// The level used when none is asked for: [`Simd::detected`], capped by the
    /// `PARMAT_SIMD` environment variable (read once).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(parmat::Simd::default_level() <= parmat::Simd::detected());
    /// ```
    pub fn default_level() -> Simd {
        static LEVEL: OnceLock<Simd> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            let cap = std::env::var("PARMAT_SIMD")
                .ok()
                .and_then(|v| v.parse::<Simd>().ok());
            match cap {
                Some(cap) => cap.supported(),
                None => Simd::detected(),
            }
        })
    }

    /// This level if the CPU supports it, else the best supported level below it.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::Simd;
    /// assert_eq!(Simd::Portable.supported(), Simd::Portable);
    /// assert!(Simd::Avx512.supported() <= Simd::Avx512);
    /// ```
    pub fn supported(self) -> Simd {
        // Asked several times per product by the planner and the kernel registry: the
        // feature checks are made once.
        static AVAILABLE: OnceLock<[bool; Simd::ALL.len()]> = OnceLock::new();
        let available = AVAILABLE.get_or_init(|| Simd::ALL.map(Simd::is_available));
        Simd::ALL
            .into_iter()
            .zip(available)
            .rev()
            .find(|&(level, &yes)| yes && level <= self)
            .map_or(Simd::Portable, |(level, _)| level)
    }

    /// The level's name: `portable`, `neon`, `avx2` or `avx512`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::Simd::Avx2.name(), "avx2");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Simd::Portable => "portable",
            Simd::Neon => "neon",
            Simd::Avx2 => "avx2",
            Simd::Avx512 => "avx512",
        }
    }
}

impl std::fmt::Display for Simd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Simd {
    type Err = crate::Error;

    /// Parses `portable`, `neon`, `avx2` or `avx512`.
    fn from_str(s: &str) -> Result<Simd, crate::Error> {
        Simd::ALL
            .into_iter()
            .find(|level| level.name() == s)
            .ok_or_else(|| crate::Error::UnknownSimd { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::Simd;

    /// `supported` caches the feature checks: it must still give, for every level, the best
    /// available level at or below it.
    #[test]
    fn supported_is_the_best_available_level_at_or_below() {
        for level in Simd::ALL {
            let expected = [Simd::Avx512, Simd::Avx2, Simd::Neon, Simd::Portable]
                .into_iter()
                .find(|&s| s <= level && s.is_available())
                .unwrap_or(Simd::Portable);
            assert_eq!(level.supported(), expected, "{level:?}");
        }
        // Each architecture has its own levels; the other's cap to the best one below.
        if cfg!(target_arch = "aarch64") {
            assert!(Simd::Neon.is_available());
            assert_eq!(Simd::Avx512.supported(), Simd::Neon);
            assert!(!Simd::Avx2.is_available() && !Simd::Avx512.is_available());
        } else {
            assert!(!Simd::Neon.is_available());
        }
    }

    #[test]
    fn simd_levels_parse_and_order() {
        assert_eq!(Simd::all(), Simd::ALL);
        for s in Simd::ALL {
            assert_eq!(s.name().parse::<Simd>().unwrap(), s);
            assert!(s.supported() <= s);
            assert!(s.supported().is_available());
        }
        assert!("sse".parse::<Simd>().is_err());
    }
}
