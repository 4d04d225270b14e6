//! The deadlock tracker: a wait-for graph of which thread holds and which waits for which
//! block, shared by every [`SharedMatrix`](super::SharedMatrix) of one [`Registry`].
//!
//! The graph has two kinds of facts, both updated under one mutex:
//!
//! - *holds*: thread `t` holds block `b` for read or write (recorded right after the lock is
//!   taken, removed right before it is released);
//! - *waits*: thread `t` waits for block `b` (a thread waits for at most one block at a time).
//!
//! From them, thread `t` waiting for `b` waits for every thread that holds `b` in a
//! conflicting mode, and a reader also for every thread queued to write `b` (the locks are
//! fair to writers: new readers queue behind a waiting writer). A deadlock is a cycle of
//! such edges. It is searched for from the requester when it starts to wait and again every
//! check interval while it waits; a cycle found is reported to the thread that searched,
//! whose wait is removed from the graph in the same critical section, so the other threads
//! of the cycle never see it again and exactly one of them is refused.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};
use std::thread::ThreadId;
use std::time::Duration;

use parking_lot::Mutex;

use super::error::{Access, BlockId, Blocker, MatrixId, ThreadLabel, WaitEdge};

/// A block of a matrix, as the graph knows it.
pub(crate) type BlockKey = (MatrixId, usize);

/// How often a waiting thread searches the graph again, unless the registry says otherwise.
pub(crate) const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_millis(5);

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
    /// A new registry with its own, empty wait-for graph, checked every 5 ms while a thread
    /// waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let registry = parmat::sync::Registry::new();
    /// assert_eq!(registry.check_interval(), std::time::Duration::from_millis(5));
    /// ```
    pub fn new() -> Registry {
        Registry::with_check_interval(DEFAULT_CHECK_INTERVAL)
    }

    /// A new registry whose waiting threads search the graph again every `interval`.
    ///
    /// Cycles are found at once when the request that closes them starts to wait; the
    /// periodic search is a second line for cycles completed while a thread already waits.
    /// A shorter interval finds those sooner and costs a little CPU per waiting thread.
    ///
    /// # Panics
    ///
    /// If `interval` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let registry = parmat::sync::Registry::with_check_interval(Duration::from_millis(1));
    /// assert_eq!(registry.check_interval(), Duration::from_millis(1));
    /// ```
    pub fn with_check_interval(interval: Duration) -> Registry {
        assert!(
            !interval.is_zero(),
            "Registry::with_check_interval: the interval must be longer than zero"
        );
        Registry {
            tracker: Arc::new(Tracker {
                graph: Mutex::new(Graph::default()),
                check_interval: interval,
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

    /// How often a waiting thread searches the graph again.
    ///
    /// # Examples
    ///
    /// ```
    /// let interval = parmat::sync::Registry::global().check_interval();
    /// assert!(interval <= std::time::Duration::from_millis(10));
    /// ```
    pub fn check_interval(&self) -> Duration {
        self.tracker.check_interval
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
            .field("check_interval", &self.tracker.check_interval)
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
}

/// What one waiting thread waits for.
#[derive(Clone, Copy)]
struct Wait {
    block: BlockKey,
    access: Access,
}

#[derive(Default)]
struct Graph {
    holders: WordMap<BlockKey, Holders>,
    waiting: WordMap<ThreadId, Wait>,
    /// Names of the matrices that have one, for the messages.
    names: WordMap<MatrixId, Arc<str>>,
}

/// An edge of a cycle while the graph is locked: plain ids, turned into labels afterwards.
struct RawEdge {
    waiter: ThreadId,
    wait: Wait,
    cause: Blocker,
    blocker: ThreadId,
}

impl Graph {
    fn count_holds(&self) -> usize {
        self.holders.values().map(Holders::count).sum()
    }

    /// The threads `waiter` waits for, and why.
    fn blockers(&self, waiter: ThreadId, wait: Wait) -> Vec<(ThreadId, Blocker)> {
        let mut out = Vec::new();
        if let Some(holders) = self.holders.get(&wait.block) {
            if let Some(writer) = holders.writer {
                out.push((writer, Blocker::Holds(Access::Write)));
            }
            if wait.access == Access::Write {
                out.extend(
                    holders
                        .readers
                        .iter()
                        .map(|&(reader, _)| (reader, Blocker::Holds(Access::Read))),
                );
            }
        }
        if wait.access == Access::Read {
            out.extend(
                self.waiting
                    .iter()
                    .filter(|&(&t, w)| {
                        t != waiter && w.block == wait.block && w.access == Access::Write
                    })
                    .map(|(&t, _)| (t, Blocker::QueuedWriter)),
            );
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
        let Some(&wait) = self.waiting.get(&node) else {
            return false;
        };
        for (next, cause) in self.blockers(node, wait) {
            path.push(RawEdge {
                waiter: node,
                wait,
                cause,
                blocker: next,
            });
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
                access: edge.wait.access,
                block: BlockId {
                    matrix: edge.wait.block.0,
                    matrix_name: self.names.get(&edge.wait.block.0).map(|n| n.to_string()),
                    block: edge.wait.block.1,
                },
                cause: edge.cause,
                blocker: label(edge.blocker),
            })
            .collect()
    }
}

/// The shared state behind a [`Registry`].
pub(crate) struct Tracker {
    graph: Mutex<Graph>,
    check_interval: Duration,
}

impl Tracker {
    pub(crate) fn check_interval(&self) -> Duration {
        self.check_interval
    }

    /// Records that `thread` now holds `block` (and no longer waits for it).
    pub(crate) fn acquired(&self, block: BlockKey, access: Access, thread: ThreadId) {
        let mut graph = self.graph.lock();
        graph.waiting.remove(&thread);
        let holders = graph.holders.entry(block).or_default();
        match access {
            Access::Write => holders.writer = Some(thread),
            Access::Read => match holders.readers.iter_mut().find(|r| r.0 == thread) {
                Some(reader) => reader.1 += 1,
                None => holders.readers.push((thread, 1)),
            },
        }
    }

    /// Records that `thread` is about to release `block`.
    pub(crate) fn released(&self, block: BlockKey, access: Access, thread: ThreadId) {
        let mut graph = self.graph.lock();
        let Some(holders) = graph.holders.get_mut(&block) else {
            return;
        };
        match access {
            Access::Write => {
                if holders.writer == Some(thread) {
                    holders.writer = None;
                }
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
        // The entry stays (with its reader list's allocation) for the next lock of the
        // block; `forget_matrix` removes it with its matrix.
    }

    /// Records that `thread` starts to wait for `block` and searches for a cycle through
    /// it. On a cycle the wait is withdrawn and the cycle returned.
    pub(crate) fn begin_wait(
        &self,
        block: BlockKey,
        access: Access,
        thread: ThreadId,
    ) -> Result<(), Vec<WaitEdge>> {
        let mut graph = self.graph.lock();
        graph.waiting.insert(thread, Wait { block, access });
        Self::refuse_on_cycle(&mut graph, thread)
    }

    /// Searches again for a cycle through the waiting `thread`; on one, withdraws the wait.
    pub(crate) fn check_wait(&self, thread: ThreadId) -> Result<(), Vec<WaitEdge>> {
        let mut graph = self.graph.lock();
        Self::refuse_on_cycle(&mut graph, thread)
    }

    fn refuse_on_cycle(graph: &mut Graph, thread: ThreadId) -> Result<(), Vec<WaitEdge>> {
        match graph.cycle_through(thread) {
            None => Ok(()),
            Some(raw) => {
                graph.waiting.remove(&thread);
                Err(graph.describe(raw))
            }
        }
    }

    /// Withdraws the wait of `thread` (its timer ran out).
    pub(crate) fn end_wait(&self, thread: ThreadId) {
        self.graph.lock().waiting.remove(&thread);
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

    fn other_thread() -> ThreadId {
        std::thread::spawn(|| std::thread::current().id())
            .join()
            .unwrap()
    }

    const X: MatrixId = MatrixId(u64::MAX - 1);
    const Y: MatrixId = MatrixId(u64::MAX);

    /// A cycle closed by a hold recorded after both waits began is found by the periodic
    /// search, reported to exactly one of the threads.
    #[test]
    fn periodic_search_finds_a_cycle_closed_by_a_late_hold() {
        let registry = Registry::new();
        let tracker = registry.tracker();
        let (a, b) = (current_thread(), other_thread());
        tracker.acquired((X, 0), Access::Write, a);
        // b waits for X0 (held by a): no cycle.
        assert!(tracker.begin_wait((X, 0), Access::Write, b).is_ok());
        // a waits for Y0, which nobody is recorded to hold yet: no cycle.
        assert!(tracker.begin_wait((Y, 0), Access::Write, a).is_ok());
        // b's hold of Y0 is recorded late (as if it took Y0 just before the graph knew).
        {
            let mut graph = tracker.graph.lock();
            graph.holders.entry((Y, 0)).or_default().writer = Some(b);
        }
        let cycle = tracker.check_wait(a).expect_err("the cycle a → b → a");
        assert_eq!(cycle.len(), 2);
        assert_eq!(cycle[0].waiter.id, a);
        assert_eq!(cycle[0].blocker.id, b);
        assert_eq!(cycle[1].waiter.id, b);
        assert_eq!(cycle[1].blocker.id, a);
        // a's wait was withdrawn: b no longer sees a cycle.
        assert!(tracker.check_wait(b).is_ok());
        assert_eq!(registry.waiting(), 1);
    }

    /// A reader queued behind a waiting writer waits for it.
    #[test]
    fn readers_wait_for_queued_writers() {
        let registry = Registry::new();
        let tracker = registry.tracker();
        let (r, w) = (current_thread(), other_thread());
        tracker.acquired((X, 0), Access::Read, r);
        assert!(tracker.begin_wait((X, 0), Access::Write, w).is_ok());
        let cycle = tracker
            .begin_wait((X, 0), Access::Read, r)
            .expect_err("r → w (queued) → r (holds)");
        assert_eq!(cycle[0].cause, Blocker::QueuedWriter);
        assert_eq!(cycle[1].cause, Blocker::Holds(Access::Read));
    }

    #[test]
    fn holds_are_counted_and_released() {
        let registry = Registry::new();
        let tracker = registry.tracker();
        let me = current_thread();
        tracker.acquired((X, 0), Access::Read, me);
        tracker.acquired((X, 0), Access::Read, me);
        tracker.acquired((X, 1), Access::Write, me);
        assert_eq!(registry.holds(), 3);
        tracker.released((X, 0), Access::Read, me);
        tracker.released((X, 0), Access::Read, me);
        tracker.released((X, 1), Access::Write, me);
        assert_eq!(registry.holds(), 0);
    }
}
