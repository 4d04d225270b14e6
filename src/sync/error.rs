//! [`LockError`] and the names it uses: blocks, threads and the edges of a wait-for cycle.

use std::fmt;
use std::thread::ThreadId;
use std::time::Duration;

/// The identity of one [`SharedMatrix`](super::SharedMatrix), unique in the process.
///
/// Errors name matrices by it (and by their name, when they have one).
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, sync::SharedMatrix};
///
/// let x = SharedMatrix::new(Matrix::<i32>::zeros(4, 4), 2);
/// let y = SharedMatrix::new(Matrix::<i32>::zeros(4, 4), 2);
/// assert_ne!(x.id(), y.id());
/// println!("{}", x.id()); // "#7", say
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MatrixId(pub(crate) u64);

impl fmt::Display for MatrixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Read (shared) or write (exclusive) access to a block.
///
/// # Examples
///
/// ```
/// use parmat::sync::Access;
///
/// assert_eq!(Access::Read.to_string(), "read");
/// assert_eq!(Access::Write.to_string(), "write");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Shared access: any number of readers hold a block at once.
    Read,
    /// Exclusive access: one writer and no readers.
    Write,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

/// One block of one matrix, as named in a [`LockError`].
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, sync::SharedMatrix};
/// use std::time::Duration;
///
/// let x = SharedMatrix::new(Matrix::<i32>::zeros(4, 4), 2).named("X");
/// let held = x.write(1)?;
/// let err = std::thread::scope(|s| {
///     s.spawn(|| x.read_for(1, Duration::from_millis(1)).unwrap_err()).join().unwrap()
/// });
/// drop(held);
/// if let parmat::sync::LockError::Timeout { block, .. } = err {
///     assert_eq!(block.block, 1);
///     assert_eq!(block.matrix, x.id());
///     assert_eq!(block.to_string(), "block 1 of matrix 'X'");
/// }
/// # Ok::<(), parmat::sync::LockError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct BlockId {
    /// The matrix.
    pub matrix: MatrixId,
    /// The matrix's name, if it was given one with
    /// [`SharedMatrix::named`](super::SharedMatrix::named).
    pub matrix_name: Option<String>,
    /// The block's index (stripe number) in the matrix.
    pub block: usize,
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.matrix_name {
            Some(name) => write!(f, "block {} of matrix '{name}'", self.block),
            None => write!(f, "block {} of matrix {}", self.block, self.matrix),
        }
    }
}

/// A thread, as named in a [`LockError`]: its id and, if it has one, its name.
///
/// # Examples
///
/// ```
/// use parmat::sync::ThreadLabel;
///
/// let me = ThreadLabel::current();
/// assert_eq!(me.id, std::thread::current().id());
/// assert_eq!(me.name.as_deref(), std::thread::current().name());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ThreadLabel {
    /// The thread's id.
    pub id: ThreadId,
    /// The thread's name, if it has one.
    pub name: Option<String>,
}

impl ThreadLabel {
    /// The calling thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let label = parmat::sync::ThreadLabel::current();
    /// println!("{label}"); // "thread 'main'" in a program's main thread
    /// ```
    pub fn current() -> ThreadLabel {
        let me = std::thread::current();
        ThreadLabel {
            id: me.id(),
            name: me.name().map(str::to_owned),
        }
    }
}

impl fmt::Display for ThreadLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "thread '{name}'"),
            None => write!(f, "thread {:?}", self.id),
        }
    }
}

/// Why a waiting thread cannot go on: what the thread it waits for is doing with the block.
///
/// # Examples
///
/// ```
/// use parmat::sync::{Access, Blocker};
///
/// assert_eq!(Blocker::Holds(Access::Write).to_string(), "held for write by");
/// assert_eq!(Blocker::Snapshot.to_string(), "wanted by a waiting snapshot of");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Blocker {
    /// The other thread holds the block with this access.
    Holds(Access),
    /// The other thread waits to take a snapshot that includes the block. A writer that
    /// holds no lock of the registry lets a snapshot that started to wait before it go
    /// first, so that snapshots are not starved by a stream of writers.
    Snapshot,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::Holds(access) => write!(f, "held for {access} by"),
            Blocker::Snapshot => f.write_str("wanted by a waiting snapshot of"),
        }
    }
}

/// One edge of a wait-for cycle: `waiter` asked for `access` to `block`, and cannot have
/// it because of `blocker` (which in turn waits for the next edge's block).
///
/// # Examples
///
/// See [`LockError::Deadlock`]; an edge prints as
/// `thread 'a' waits to write block 0 of matrix 'Y', held for write by thread 'b'`.
///
/// ```
/// fn describe(edge: &parmat::sync::WaitEdge) -> String {
///     format!("{} → {}", edge.waiter, edge.blocker)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct WaitEdge {
    /// The waiting thread.
    pub waiter: ThreadLabel,
    /// The access it asked for.
    pub access: Access,
    /// The block it asked for.
    pub block: BlockId,
    /// How `blocker` stands in its way.
    pub cause: Blocker,
    /// The thread it waits for.
    pub blocker: ThreadLabel,
}

impl fmt::Display for WaitEdge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.access {
            Access::Read => "read",
            Access::Write => "write",
        };
        write!(
            f,
            "{} waits to {verb} {}, {} {}",
            self.waiter, self.block, self.cause, self.blocker
        )
    }
}

/// Why a lock on a [`SharedMatrix`](super::SharedMatrix) block was not granted.
///
/// Whatever the variant, the call that returns it has released every block it had locked
/// and changed nothing; the matrix is exactly as before the call. Blocks the caller holds
/// through guards or a [`LockSet`](super::LockSet) from *earlier* calls are released by
/// dropping those (a `LockSet` releases all its blocks itself when one of its acquisitions
/// fails).
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, sync::{LockError, SharedMatrix}};
/// use std::time::Duration;
///
/// let m = SharedMatrix::new(Matrix::<i32>::zeros(4, 4), 2);
/// let held = m.write(0)?;
/// let err = std::thread::scope(|s| {
///     s.spawn(|| m.snapshot_for(Duration::from_millis(5)).unwrap_err()).join().unwrap()
/// });
/// assert!(matches!(err, LockError::Timeout { .. }));
/// assert!(err.to_string().starts_with("lock timeout:"));
/// drop(held);
/// # Ok::<(), LockError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockError {
    /// The lock timer ran out: the block stayed unavailable for the whole timeout.
    Timeout {
        /// The block that was not granted in time.
        block: BlockId,
        /// The access asked for.
        access: Access,
        /// The timeout of the call.
        timeout: Duration,
    },
    /// Waiting would never end: the request would close a cycle in the wait-for graph
    /// (the threads in `cycle` each wait for the next, and the last for the first). The
    /// requester is refused; the other threads of the cycle keep waiting, undisturbed, and
    /// go on once the requester's call has released what it took.
    ///
    /// Only a real cycle is reported: the graph is the tracker's lock state itself, so an
    /// edge exists exactly while the thread it points to stands in the way.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, sync::{LockError, Registry, SharedMatrix}};
    ///
    /// let registry = Registry::new();
    /// let x = SharedMatrix::with_registry(Matrix::<i32>::zeros(2, 2), 1, &registry).named("X");
    /// let y = SharedMatrix::with_registry(Matrix::<i32>::zeros(2, 2), 1, &registry).named("Y");
    /// let held = x.write(0)?;
    /// std::thread::scope(|s| {
    ///     let other = s.spawn(|| {
    ///         let _mine = y.write(0)?;
    ///         x.write(0).map(drop) // waits for this thread's lock on X
    ///     });
    ///     while registry.waiting() == 0 {
    ///         std::thread::yield_now(); // until the other thread holds Y and waits
    ///     }
    ///     // Asking for Y now would close the cycle: this request is refused.
    ///     let Err(LockError::Deadlock { cycle }) = y.write(0) else { panic!("no deadlock") };
    ///     assert_eq!(cycle.len(), 2);
    ///     assert_eq!(cycle[0].block.to_string(), "block 0 of matrix 'Y'");
    ///     drop(held); // the other thread goes on
    ///     other.join().unwrap()
    /// })?;
    /// # Ok::<(), LockError>(())
    /// ```
    Deadlock {
        /// The cycle, starting with the refused request.
        cycle: Vec<WaitEdge>,
    },
    /// The calling thread holds the block itself in a way the request would have to wait
    /// for: a write asked for while it holds a read lock (locks are not upgraded), or any
    /// access while it holds the write lock. Refused at once, from guards, lock sets and
    /// snapshots alike. A second read of a block the thread reads is granted, not refused.
    ///
    /// Only a tracked matrix knows who holds what; on an [`untracked`] one such a request
    /// waits for ever, or until its timer runs out.
    ///
    /// [`untracked`]: super::SharedMatrix::untracked
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, sync::{Access, LockError, SharedMatrix}};
    ///
    /// let m = SharedMatrix::new(Matrix::<i32>::zeros(4, 4), 2);
    /// let reading = m.read(1)?;
    /// let Err(LockError::AlreadyHeld { block, held, requested }) = m.write(1) else {
    ///     panic!("an upgrade is refused")
    /// };
    /// assert_eq!((block.block, held, requested), (1, Access::Read, Access::Write));
    /// let again = m.read(1)?; // a second read is fine
    /// drop((reading, again));
    /// # Ok::<(), LockError>(())
    /// ```
    AlreadyHeld {
        /// The block.
        block: BlockId,
        /// How the calling thread holds it.
        held: Access,
        /// The access it asked for.
        requested: Access,
    },
    /// A `try_…` call found the block unavailable and, as asked, did not wait.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, sync::{Access, LockError, SharedMatrix}};
    ///
    /// let m = SharedMatrix::new(Matrix::<i32>::zeros(4, 4), 2);
    /// let writing = std::thread::scope(|s| {
    ///     let w = m.write(0)?;
    ///     let err = s.spawn(|| m.try_read(0).map(drop)).join().unwrap();
    ///     drop(w);
    ///     err
    /// });
    /// assert!(matches!(writing, Err(LockError::WouldBlock { access: Access::Read, .. })));
    /// # Ok::<(), LockError>(())
    /// ```
    WouldBlock {
        /// The block that was not available.
        block: BlockId,
        /// The access asked for.
        access: Access,
    },
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Timeout {
                block,
                access,
                timeout,
            } => write!(
                f,
                "lock timeout: {access} access to {block} was not granted within {timeout:?}; \
                 the call released every block it had locked and changed nothing"
            ),
            LockError::Deadlock { cycle } => {
                f.write_str("deadlock: ")?;
                for (i, edge) in cycle.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{edge}")?;
                }
                f.write_str(
                    "; the first request was refused, and its call released every block it \
                     had locked and changed nothing",
                )
            }
            LockError::AlreadyHeld {
                block,
                held,
                requested,
            } => write!(
                f,
                "already held: this thread holds {block} for {held} and asked for {requested} \
                 access, which would wait for itself (a lock is not upgraded: release it \
                 first)"
            ),
            LockError::WouldBlock { block, access } => write!(
                f,
                "would block: {access} access to {block} is not available now"
            ),
        }
    }
}

impl std::error::Error for LockError {}
