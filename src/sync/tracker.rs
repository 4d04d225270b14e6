//! The deadlock tracker: for every tracked block, who holds it and who waits for it, under
//! one mutex per [`Registry`] — the graph is the lock state itself, not a record kept next
//! to it.
//!
//! A thread asks for a [`Request`]: one block for read or write, or (for a snapshot) read
//! access to several blocks at once. [`Graph::blockers`] lists the threads that stand in its
//! way right now; the request is granted exactly when that list is empty, and while the
//! thread waits the same list is its set of wait-for edges. So the graph cannot be stale:
//! an edge exists exactly while its cause does, and a cycle is a real deadlock.
//!
//! Edges appear in two ways only: a thread starts to wait (edges out of it), or a thread
//! takes a lock (edges into it, from threads waiting for that block) — and a thread that
//! takes a lock is not waiting, so it has no edges out and cannot close a cycle then. Every
//! new cycle therefore passes through the thread that has just started to wait, and one
//! search from it, in the same critical section, finds it: that thread is refused, the
//! others are not touched.
//!
//! Snapshots are not starved by writers: while a snapshot waits, writers that hold no lock
//! of the registry and ask after it wait for it (a [`Blocker::Snapshot`] edge). Such a
//! writer has no edges into it, and a snapshot that holds nothing has none into it other
//! than those, so neither can be part of a cycle.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};
use std::thread::{Thread, ThreadId};
use std::time::Instant;

use parking_lot::{Mutex, MutexGuard};

use super::error::{Access, BlockId, Blocker, MatrixId, ThreadLabel, WaitEdge};

/// A block of a matrix, as the graph knows it.
pub(crate) type BlockKey = (MatrixId, usize);

/// A deadlock tracker shared by a family of [`SharedMatrix`](super::SharedMatrix) values.
///
/// Every matrix belongs to one registry (or to none: see
/// [`SharedMatrix::untracked`](super::SharedMatrix::untracked)). The registry keeps the
/// wait-for graph of all of them, so a deadlock that spans several matrices — a thread
/// holding a block of `X` and asking for one of `Y`, while another holds that block of `Y`
/// and asks for the one of `X` — is seen and refused with
/// [`LockError::Deadlock`](super::LockError::Deadlock). Cycles through matrices of
/// *different* registries are not seen; use one registry for matrices that are locked
/// together (the process-wide [`Registry::global`], the default, is one).
///
/// `Registry` is a cheap handle: clones share one graph.
///
/// # Examples
///
/// ```
/// use parmat::{Matrix, sync::{Registry, SharedMatrix}};
///
/// let registry = Registry::new();            // separate from the process-wide one
/// let x = SharedMatrix::with_registry(Matrix::<i64>::zeros(4, 4), 2, &registry);
/// let guard = x.read(0)?;
/// assert_eq!(registry.holds(), 1);
/// drop(guard);
/// assert_eq!(registry.holds(), 0);
/// # Ok::<(), parmat::sync::LockError>(())
/// ```
#[derive(Clone)]
pub struct Registry {
    tracker: Arc<Tracker>,
}

impl Registry {
    /// A new registry with its own, empty wait-for graph.
    ///
    /// # Examples
    ///
    /// ```
    /// let registry = parmat::sync::Registry::new();
    /// assert_eq!((registry.holds(), registry.waiting()), (0, 0));
    /// ```
    pub fn new() -> Registry {
        Registry {
            tracker: Arc::new(Tracker {
                graph: Mutex::new(Graph::default()),
            }),
        }
    }

    /// The process-wide registry that [`SharedMatrix::new`](super::SharedMatrix::new) and
    /// [`SharedMatrix::from_matrix`](super::SharedMatrix::from_matrix) use.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, sync::{Registry, SharedMatrix}};
    ///
    /// let m = SharedMatrix::new(Matrix::<f32>::zeros(2, 2), 1);
    /// assert!(m.registry().unwrap().same_as(&Registry::global()));
    /// ```
    pub fn global() -> Registry {
        static GLOBAL: OnceLock<Registry> = OnceLock::new();
        GLOBAL.get_or_init(Registry::new).clone()
    }

    /// Whether `self` and `other` are handles to the same graph.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::sync::Registry;
    ///
    /// let a = Registry::new();
    /// assert!(a.same_as(&a.clone()));
    /// assert!(!a.same_as(&Registry::new()));
    /// ```
    pub fn same_as(&self, other: &Registry) -> bool {
        Arc::ptr_eq(&self.tracker, &other.tracker)
    }

    /// How many block locks the threads of this registry's matrices hold right now (a block
    /// read by two threads counts twice).
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::{Matrix, sync::{Registry, SharedMatrix}};
    ///
    /// let registry = Registry::new();
    /// let m = SharedMatrix::with_registry(Matrix::<u8>::zeros(4, 1), 1, &registry);
    /// let (a, b) = (m.read(0)?, m.write(3)?);
    /// assert_eq!(registry.holds(), 2);
    /// drop((a, b));
    /// assert_eq!(registry.holds(), 0);
    /// # Ok::<(), parmat::sync::LockError>(())
    /// ```
    pub fn holds(&self) -> usize {
        self.tracker.graph.lock().count_holds()
    }

    /// How many threads wait for a block of this registry's matrices right now.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(parmat::sync::Registry::new().waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.tracker.graph.lock().waiting.len()
    }

    pub(crate) fn tracker(&self) -> &Tracker {
        &self.tracker
    }
}

impl Default for Registry {
    /// Same as [`Registry::new`].
    fn default() -> Registry {
        Registry::new()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let graph = self.tracker.graph.lock();
        f.debug_struct("Registry")
            .field("holds", &graph.count_holds())
            .field("waiting", &graph.waiting.len())
            .finish()
    }
}

/// The graph's keys are a few machine words (matrix ids, block indices, thread ids) chosen
/// by the crate, not by an adversary, so a multiply–rotate hash serves better than SipHash:
/// the map operations are on the path of every tracked lock and unlock.
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

type WordMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// Who holds one block.
#[derive(Default)]
struct Holders {
    writer: Option<ThreadId>,
    /// Reading threads and how many read locks each holds.
    readers: Vec<(ThreadId, usize)>,
}

impl Holders {
    fn count(&self) -> usize {
        usize::from(self.writer.is_some()) + self.readers.iter().map(|r| r.1).sum::<usize>()
    }

    fn reads(&self, thread: ThreadId) -> bool {
        self.readers.iter().any(|r| r.0 == thread)
    }
}

/// What a thread asks for.
#[derive(Clone, Debug)]
pub(crate) enum Request {
    /// One block, for read or write.
    One { block: BlockKey, access: Access },
    /// Read access to all of `blocks` at once (a snapshot): granted when none of them is
    /// held for write, never one by one.
    AllRead { blocks: Vec<BlockKey> },
}

impl Request {
    fn wants(&self, key: BlockKey) -> bool {
        match self {
            Request::One { block, .. } => *block == key,
            Request::AllRead { blocks } => blocks.contains(&key),
        }
    }
}

/// A waiting thread: what it asks for, when it started to wait (a ticket, increasing), and
/// how to wake it.
struct Wait {
    request: Request,
    ticket: u64,
    /// A snapshot asked by a thread that held nothing: writers that hold nothing and ask
    /// later let it go first.
    reserving: bool,
    thread: Thread,
}

/// Why a request was not granted; the caller turns it into a [`LockError`](super::LockError)
/// with the names it knows.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The caller holds `block` with `held`, so its request would wait for itself.
    AlreadyHeld { block: BlockKey, held: Access },
    /// Waiting would close this cycle.
    Deadlock(Vec<WaitEdge>),
    /// The deadline passed while `block` still stood in the way.
    Timeout { block: BlockKey },
    /// Not available at once (`block` stands in the way), and the caller would not wait.
    WouldBlock { block: BlockKey },
}

#[derive(Default)]
struct Graph {
    holders: WordMap<BlockKey, Holders>,
    waiting: WordMap<ThreadId, Wait>,
    /// How many of the waits are reserving snapshots (when none, writers need not look).
    reserving: usize,
    next_ticket: u64,
    /// Names of the matrices that have one, for the messages.
    names: WordMap<MatrixId, Arc<str>>,
}

/// An edge while the graph is locked: plain ids, turned into labels afterwards.
struct RawEdge {
    waiter: ThreadId,
    block: BlockKey,
    access: Access,
    cause: Blocker,
    blocker: ThreadId,
}

impl Graph {
    fn count_holds(&self) -> usize {
        self.holders.values().map(Holders::count).sum()
    }

    /// Whether `thread` holds no lock of the registry. A scan of every block, needed only
    /// while a snapshot reserves its blocks (and when one starts to wait).
    fn holds_nothing(&self, thread: ThreadId) -> bool {
        !self
            .holders
            .values()
            .any(|holders| holders.writer == Some(thread) || holders.reads(thread))
    }

    /// Whether a reserving snapshot that waits wants `block`.
    fn reserved(&self, block: BlockKey) -> bool {
        self.reserving > 0
            && self
                .waiting
                .values()
                .any(|wait| wait.reserving && wait.request.wants(block))
    }

    /// Grants one block at once if nothing stands in its way (`Ok(false)` if something
    /// does): the path of every uncontended lock, with one lookup of the block.
    ///
    /// It restates, for one block, the rule of [`Graph::own_conflict`] and
    /// [`Graph::blockers`] (which decide waits and give their edges) with one lookup instead
    /// of three: a quarter of a tracked lock–unlock (docs/concurrency.md#overhead-2026-12-03).
    /// Debug builds, the tests among them, check on every call that the two agree.
    fn grant_now(
        &mut self,
        block: BlockKey,
        access: Access,
        thread: ThreadId,
    ) -> Result<bool, Refusal> {
        #[cfg(debug_assertions)]
        let general = {
            let request = Request::One { block, access };
            match self.own_conflict(thread, &request) {
                Some((_, held)) => Err(held),
                None => Ok(self.blockers(thread, &request, u64::MAX).is_empty()),
            }
        };
        let decided = self.grant_one(block, access, thread);
        #[cfg(debug_assertions)]
        {
            let fast = match &decided {
                Ok(granted) => Ok(*granted),
                Err(Refusal::AlreadyHeld { held, .. }) => Err(*held),
                Err(other) => unreachable!("grant_one refuses only AlreadyHeld: {other:?}"),
            };
            debug_assert_eq!(fast, general, "the fast path disagrees with `blockers`");
        }
        decided
    }

    /// [`Graph::grant_now`]'s decision and grant, on one lookup of the block.
    fn grant_one(
        &mut self,
        block: BlockKey,
        access: Access,
        thread: ThreadId,
    ) -> Result<bool, Refusal> {
        let deferred =
            access == Access::Write && self.reserved(block) && self.holds_nothing(thread);
        let holders = self.holders.entry(block).or_default();
        if holders.writer == Some(thread) {
            return Err(Refusal::AlreadyHeld {
                block,
                held: Access::Write,
            });
        }
        match access {
            Access::Read => {
                if holders.writer.is_some() {
                    return Ok(false);
                }
                match holders.readers.iter_mut().find(|r| r.0 == thread) {
                    Some(reader) => reader.1 += 1,
                    None => holders.readers.push((thread, 1)),
                }
            }
            Access::Write => {
                if holders.reads(thread) {
                    return Err(Refusal::AlreadyHeld {
                        block,
                        held: Access::Read,
                    });
                }
                if holders.writer.is_some() || !holders.readers.is_empty() || deferred {
                    return Ok(false);
                }
                holders.writer = Some(thread);
            }
        }
        Ok(true)
    }

    /// A lock `thread` holds that `request` would have to wait for: the thread would wait
    /// for itself. (A read of a block the thread already reads is granted, not refused.)
    fn own_conflict(&self, thread: ThreadId, request: &Request) -> Option<(BlockKey, Access)> {
        match request {
            Request::One { block, access } => {
                let holders = self.holders.get(block)?;
                if holders.writer == Some(thread) {
                    Some((*block, Access::Write))
                } else if *access == Access::Write && holders.reads(thread) {
                    Some((*block, Access::Read))
                } else {
                    None
                }
            }
            Request::AllRead { blocks } => blocks.iter().find_map(|block| {
                let holders = self.holders.get(block)?;
                (holders.writer == Some(thread)).then_some((*block, Access::Write))
            }),
        }
    }

    /// The threads that stand in the way of `thread`'s `request` right now, one edge each
    /// (with `ticket`, the request's place in the order of waits). Empty exactly when the
    /// request can be granted; while the thread waits, these are its wait-for edges.
    fn blockers(&self, thread: ThreadId, request: &Request, ticket: u64) -> Vec<RawEdge> {
        let mut out = Vec::new();
        let mut edge = |block: BlockKey, access: Access, cause: Blocker, blocker: ThreadId| {
            if blocker != thread {
                out.push(RawEdge {
                    waiter: thread,
                    block,
                    access,
                    cause,
                    blocker,
                });
            }
        };
        match request {
            Request::One { block, access } => {
                if let Some(holders) = self.holders.get(block) {
                    if let Some(writer) = holders.writer {
                        edge(*block, *access, Blocker::Holds(Access::Write), writer);
                    }
                    if *access == Access::Write {
                        for &(reader, _) in &holders.readers {
                            edge(*block, *access, Blocker::Holds(Access::Read), reader);
                        }
                    }
                }
                if *access == Access::Write && self.reserving > 0 && self.holds_nothing(thread) {
                    for (&snapshot, wait) in &self.waiting {
                        if wait.reserving && wait.ticket < ticket && wait.request.wants(*block) {
                            edge(*block, *access, Blocker::Snapshot, snapshot);
                        }
                    }
                }
            }
            Request::AllRead { blocks } => {
                for block in blocks {
                    if let Some(writer) = self.holders.get(block).and_then(|h| h.writer) {
                        edge(*block, Access::Read, Blocker::Holds(Access::Write), writer);
                    }
                }
            }
        }
        out
    }

    /// A cycle of wait-for edges through `start`, if there is one.
    fn cycle_through(&self, start: ThreadId) -> Option<Vec<RawEdge>> {
        let mut path = Vec::new();
        let mut visited = HashSet::new();
        self.search(start, start, &mut visited, &mut path)
            .then_some(path)
    }

    fn search(
        &self,
        node: ThreadId,
        start: ThreadId,
        visited: &mut HashSet<ThreadId>,
        path: &mut Vec<RawEdge>,
    ) -> bool {
        let Some(wait) = self.waiting.get(&node) else {
            return false;
        };
        for edge in self.blockers(node, &wait.request, wait.ticket) {
            let next = edge.blocker;
            path.push(edge);
            if next == start || (visited.insert(next) && self.search(next, start, visited, path)) {
                return true;
            }
            path.pop();
        }
        false
    }

    fn describe(&self, raw: Vec<RawEdge>) -> Vec<WaitEdge> {
        let labels = thread_names().lock();
        let label = |id: ThreadId| ThreadLabel {
            id,
            name: labels.get(&id).map(|name| name.to_string()),
        };
        raw.into_iter()
            .map(|edge| WaitEdge {
                waiter: label(edge.waiter),
                access: edge.access,
                block: BlockId {
                    matrix: edge.block.0,
                    matrix_name: self.names.get(&edge.block.0).map(|n| n.to_string()),
                    block: edge.block.1,
                },
                cause: edge.cause,
                blocker: label(edge.blocker),
            })
            .collect()
    }

    fn hold(&mut self, block: BlockKey, access: Access, thread: ThreadId) {
        let holders = self.holders.entry(block).or_default();
        match access {
            Access::Write => holders.writer = Some(thread),
            Access::Read => match holders.readers.iter_mut().find(|r| r.0 == thread) {
                Some(reader) => reader.1 += 1,
                None => holders.readers.push((thread, 1)),
            },
        }
    }

    fn grant(&mut self, request: &Request, thread: ThreadId) {
        match request {
            Request::One { block, access } => self.hold(*block, *access, thread),
            Request::AllRead { blocks } => {
                for &block in blocks {
                    self.hold(block, Access::Read, thread);
                }
            }
        }
    }

    fn unhold(&mut self, block: BlockKey, access: Access, thread: ThreadId) {
        let Some(holders) = self.holders.get_mut(&block) else {
            return;
        };
        match access {
            Access::Write => {
                holders.writer.take_if(|writer| *writer == thread);
            }
            Access::Read => {
                if let Some(at) = holders.readers.iter().position(|r| r.0 == thread) {
                    holders.readers[at].1 -= 1;
                    if holders.readers[at].1 == 0 {
                        holders.readers.swap_remove(at);
                    }
                }
            }
        }
        // The holders entry stays (with its reader list's allocation) for the next lock of
        // the block; `forget_matrix` removes it with its matrix.
    }

    /// Records that `thread` (the calling thread, whose handle wakes it) starts to wait for
    /// `request`, with the next ticket, and returns the cycle its wait closes, if any: the
    /// only search for cycles the graph needs (module docs).
    fn begin_wait(&mut self, thread: ThreadId, request: Request) -> Option<Vec<RawEdge>> {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let reserving = matches!(request, Request::AllRead { .. }) && self.holds_nothing(thread);
        self.reserving += usize::from(reserving);
        self.waiting.insert(
            thread,
            Wait {
                request,
                ticket,
                reserving,
                thread: std::thread::current(),
            },
        );
        self.cycle_through(thread)
    }

    /// Wakes every waiting thread whose request names `block`.
    fn wake_waiters_of(&self, block: BlockKey) {
        if self.waiting.is_empty() {
            return;
        }
        for wait in self.waiting.values() {
            if wait.request.wants(block) {
                wait.thread.unpark();
            }
        }
    }

    /// Withdraws `thread`'s wait; when it was a reserving snapshot, wakes the writers that
    /// let it go first.
    fn withdraw(&mut self, thread: ThreadId) -> Option<Wait> {
        let wait = self.waiting.remove(&thread)?;
        self.reserving -= usize::from(wait.reserving);
        if wait.reserving
            && let Request::AllRead { blocks } = &wait.request
        {
            for &block in blocks {
                self.wake_waiters_of(block);
            }
        }
        Some(wait)
    }
}

/// The shared state behind a [`Registry`].
pub(crate) struct Tracker {
    graph: Mutex<Graph>,
}

impl Tracker {
    /// Grants `block` with `access` to `thread` if nothing stands in its way now; never
    /// waits.
    pub(crate) fn try_acquire(
        &self,
        block: BlockKey,
        access: Access,
        thread: ThreadId,
    ) -> Result<(), Refusal> {
        match self.graph.lock().grant_now(block, access, thread)? {
            true => Ok(()),
            false => Err(Refusal::WouldBlock { block }),
        }
    }

    /// Grants `request` to `thread`, waiting (until `deadline`, if any) for the threads in
    /// its way. Refuses at once, without waiting, a request the thread would wait for
    /// itself on, or whose wait would close a cycle.
    pub(crate) fn acquire(
        &self,
        request: Request,
        thread: ThreadId,
        deadline: Option<Instant>,
    ) -> Result<(), Refusal> {
        let mut graph = self.graph.lock();
        if let Request::One { block, access } = request {
            if graph.grant_now(block, access, thread)? {
                return Ok(());
            }
        } else {
            if let Some((block, held)) = graph.own_conflict(thread, &request) {
                return Err(Refusal::AlreadyHeld { block, held });
            }
            if graph.blockers(thread, &request, u64::MAX).is_empty() {
                graph.grant(&request, thread);
                return Ok(());
            }
        }
        if let Some(cycle) = graph.begin_wait(thread, request) {
            graph.withdraw(thread);
            return Err(Refusal::Deadlock(graph.describe(cycle)));
        }
        loop {
            let first = {
                let wait = &graph.waiting[&thread];
                graph
                    .blockers(thread, &wait.request, wait.ticket)
                    .first()
                    .map(|edge| edge.block)
            };
            let Some(block) = first else {
                let wait = graph.withdraw(thread).expect("the thread waits");
                graph.grant(&wait.request, thread);
                return Ok(());
            };
            let now = Instant::now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                graph.withdraw(thread);
                return Err(Refusal::Timeout { block });
            }
            // A release made between this check and the park unparks the thread first, and
            // the park then returns at once: no wake-up is lost.
            MutexGuard::unlocked(&mut graph, || match deadline {
                None => std::thread::park(),
                Some(deadline) => std::thread::park_timeout(deadline - now),
            });
        }
    }

    /// Records that `thread` has released `block` (its lock is already unlocked) and wakes
    /// the threads that wait for the block.
    pub(crate) fn release(&self, block: BlockKey, access: Access, thread: ThreadId) {
        let mut graph = self.graph.lock();
        graph.unhold(block, access, thread);
        graph.wake_waiters_of(block);
    }

    /// Records a matrix's name for the messages.
    pub(crate) fn name_matrix(&self, matrix: MatrixId, name: Arc<str>) {
        self.graph.lock().names.insert(matrix, name);
    }

    /// Forgets everything about a matrix that is being dropped.
    pub(crate) fn forget_matrix(&self, matrix: MatrixId) {
        let mut graph = self.graph.lock();
        graph.names.remove(&matrix);
        graph.holders.retain(|key, _| key.0 != matrix);
    }
}

/// Names of the live named threads that have used a tracked lock, for the messages.
fn thread_names() -> &'static Mutex<HashMap<ThreadId, Arc<str>>> {
    static NAMES: OnceLock<Mutex<HashMap<ThreadId, Arc<str>>>> = OnceLock::new();
    NAMES.get_or_init(Default::default)
}

/// The calling thread's entry in [`thread_names`], removed when the thread ends.
struct CurrentThread {
    id: ThreadId,
}

impl CurrentThread {
    fn register() -> CurrentThread {
        let me = std::thread::current();
        if let Some(name) = me.name() {
            thread_names().lock().insert(me.id(), Arc::from(name));
        }
        CurrentThread { id: me.id() }
    }
}

impl Drop for CurrentThread {
    fn drop(&mut self) {
        thread_names().lock().remove(&self.id);
    }
}

thread_local! {
    static CURRENT: CurrentThread = CurrentThread::register();
}

/// The calling thread's id (registering its name on first use).
pub(crate) fn current_thread() -> ThreadId {
    CURRENT
        .try_with(|current| current.id)
        .unwrap_or_else(|_| std::thread::current().id())
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: MatrixId = MatrixId(u64::MAX - 1);
    const Y: MatrixId = MatrixId(u64::MAX);

    fn one(block: BlockKey, access: Access) -> Request {
        Request::One { block, access }
    }

    fn threads(count: usize) -> Vec<ThreadId> {
        (0..count)
            .map(|_| {
                std::thread::spawn(|| std::thread::current().id())
                    .join()
                    .unwrap()
            })
            .collect()
    }

    /// AB/BA: the second wait closes the cycle and only it is reported.
    #[test]
    fn the_wait_that_closes_a_cycle_finds_it() {
        let t = threads(2);
        let mut graph = Graph::default();
        graph.hold((X, 0), Access::Write, t[0]);
        graph.hold((Y, 0), Access::Write, t[1]);
        assert!(graph.begin_wait(t[0], one((Y, 0), Access::Write)).is_none());
        let cycle = graph
            .begin_wait(t[1], one((X, 0), Access::Write))
            .expect("a cycle");
        assert_eq!(cycle.len(), 2);
        assert_eq!((cycle[0].waiter, cycle[0].blocker), (t[1], t[0]));
        assert_eq!((cycle[1].waiter, cycle[1].blocker), (t[0], t[1]));
    }

    /// Readers do not wait for readers, nor for a writer that only waits.
    #[test]
    fn only_holders_stand_in_the_way_of_a_single_block() {
        let t = threads(3);
        let mut graph = Graph::default();
        graph.hold((X, 0), Access::Read, t[0]);
        assert!(
            graph
                .blockers(t[1], &one((X, 0), Access::Read), u64::MAX)
                .is_empty()
        );
        assert!(graph.begin_wait(t[1], one((X, 0), Access::Write)).is_none());
        assert!(
            graph
                .blockers(t[2], &one((X, 0), Access::Read), u64::MAX)
                .is_empty()
        );
        let edges = graph.blockers(t[2], &one((X, 0), Access::Write), u64::MAX);
        assert_eq!(edges.len(), 1);
        assert_eq!(edges[0].cause, Blocker::Holds(Access::Read));
    }

    /// A thread that already reads a block reads it again; any other request of a block it
    /// holds is its own conflict.
    #[test]
    fn own_locks_are_conflicts_except_a_second_read() {
        let t = threads(1)[0];
        let mut graph = Graph::default();
        graph.hold((X, 0), Access::Read, t);
        graph.hold((X, 1), Access::Write, t);
        assert!(graph.own_conflict(t, &one((X, 0), Access::Read)).is_none());
        assert_eq!(
            graph.own_conflict(t, &one((X, 0), Access::Write)),
            Some(((X, 0), Access::Read))
        );
        assert_eq!(
            graph.own_conflict(t, &one((X, 1), Access::Read)),
            Some(((X, 1), Access::Write))
        );
        let all = Request::AllRead {
            blocks: vec![(X, 0), (X, 1)],
        };
        assert_eq!(graph.own_conflict(t, &all), Some(((X, 1), Access::Write)));
    }

    /// A waiting snapshot of a thread that holds nothing goes before writers that hold
    /// nothing and come later, not before writers that hold a lock or came first.
    #[test]
    fn a_waiting_snapshot_goes_before_later_writers_that_hold_nothing() {
        let t = threads(4);
        let (holder, snapshot, idle, busy) = (t[0], t[1], t[2], t[3]);
        let mut graph = Graph::default();
        graph.hold((X, 0), Access::Write, holder);
        graph.hold((Y, 0), Access::Write, busy);
        let all = Request::AllRead {
            blocks: vec![(X, 0), (X, 1)],
        };
        assert!(graph.begin_wait(snapshot, all).is_none());
        assert!(graph.waiting[&snapshot].reserving);
        let edges = graph.blockers(idle, &one((X, 1), Access::Write), u64::MAX);
        assert_eq!(edges.len(), 1);
        assert_eq!(
            (edges[0].cause, edges[0].blocker),
            (Blocker::Snapshot, snapshot)
        );
        assert!(
            graph
                .blockers(busy, &one((X, 1), Access::Write), u64::MAX)
                .is_empty()
        );
        assert!(
            graph
                .blockers(idle, &one((X, 1), Access::Write), 0)
                .is_empty()
        );
        // Readers are never held back by a snapshot.
        assert!(
            graph
                .blockers(idle, &one((X, 1), Access::Read), u64::MAX)
                .is_empty()
        );
    }

    #[test]
    fn holds_are_counted_and_released() {
        let me = threads(1)[0];
        let mut graph = Graph::default();
        graph.hold((X, 0), Access::Read, me);
        graph.hold((X, 0), Access::Read, me);
        graph.hold((X, 1), Access::Write, me);
        assert_eq!(graph.count_holds(), 3);
        assert!(!graph.holds_nothing(me));
        graph.unhold((X, 0), Access::Read, me);
        graph.unhold((X, 0), Access::Read, me);
        graph.unhold((X, 1), Access::Write, me);
        assert_eq!(graph.count_holds(), 0);
        assert!(graph.holds_nothing(me));
        // A release of something not held changes nothing.
        graph.unhold((X, 1), Access::Write, me);
        assert_eq!(graph.count_holds(), 0);
    }

    /// `acquire` waits for a release on another thread, and times out on a deadline.
    #[test]
    fn acquire_waits_for_a_release_and_honours_its_deadline() {
        let registry = Registry::new();
        let tracker = registry.tracker();
        let me = current_thread();
        tracker
            .acquire(one((X, 0), Access::Write), me, None)
            .unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let other = current_thread();
                let soon = Instant::now() + std::time::Duration::from_millis(5);
                let timed_out = tracker.acquire(one((X, 0), Access::Read), other, Some(soon));
                assert!(matches!(timed_out, Err(Refusal::Timeout { block: (X, 0) })));
                tracker
                    .acquire(one((X, 0), Access::Read), other, None)
                    .unwrap();
                tracker.release((X, 0), Access::Read, other);
            });
            while !waiter.is_finished() && registry.waiting() == 0 {
                std::thread::yield_now();
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            tracker.release((X, 0), Access::Write, me);
            waiter.join().unwrap();
        });
        assert_eq!((registry.holds(), registry.waiting()), (0, 0));
    }
}
