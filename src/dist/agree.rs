//! Agreement on a collective call's arguments before anything else is sent.
//!
//! A collective in which processes pass different arguments (another root, another grid,
//! or another operation altogether) would hang or mix up messages. Where an argument is
//! not already known to be the same everywhere, each entry point first exchanges a short
//! fixed-size description of its call with every process (one all-gather of a few
//! integers, which cannot deadlock when every process makes some call of this module),
//! and every process then judges all descriptions the same way.

use mpi::traits::CommunicatorCollectives;

use crate::Error;

/// Length of a call description, in `u64`s.
pub(crate) const WORDS: usize = 8;

/// What a process was asked to do: an operation code then its arguments.
pub(crate) type Call = [u64; WORDS];

/// Operation codes of the calls that exchange descriptions.
pub(crate) const GRID: u64 = 1;
pub(crate) const SCATTER: u64 = 2;
pub(crate) const GATHER: u64 = 3;
pub(crate) const MULTIPLY: u64 = 4;

/// Name of an operation code, for error messages (as `operation` in
/// [`Error::ProcessesDisagree`]).
pub(crate) fn operation_name(code: u64) -> &'static str {
    match code {
        GRID => "grid creation",
        SCATTER => "scatter",
        GATHER => "gather",
        MULTIPLY => "multiplication",
        _ => "an unknown operation",
    }
}

/// Every process's description of its call, in rank order.
pub(crate) fn exchange<C: CommunicatorCollectives>(comm: &C, call: Call) -> Vec<Call> {
    let size = usize::try_from(comm.size()).expect("an MPI communicator has a positive size");
    let mut all = vec![0u64; WORDS * size];
    comm.all_gather_into(&call[..], &mut all[..]);
    all.chunks_exact(WORDS)
        .map(|words| {
            let mut call = [0; WORDS];
            call.copy_from_slice(words);
            call
        })
        .collect()
}

/// Checks that every process made the same call as process 0 in the words `compared`
/// (the operation code, word 0, is always compared; `what` names the other words).
///
/// The error depends on the descriptions alone, never on which process judges them, so
/// every process returns the same one: its `operation` is process 0's call.
pub(crate) fn check_same(calls: &[Call], compared: &[(usize, &'static str)]) -> Result<(), Error> {
    let first = &calls[0];
    let operation = operation_name(first[0]);
    for (rank, call) in calls.iter().enumerate().skip(1) {
        if call[0] != first[0] {
            return Err(Error::ProcessesDisagree {
                operation,
                rank,
                detail: format!(
                    "process 0 is in {operation}, process {rank} in {}",
                    operation_name(call[0])
                ),
            });
        }
        for &(word, what) in compared {
            if call[word] != first[word] {
                return Err(Error::ProcessesDisagree {
                    operation,
                    rank,
                    detail: format!(
                        "{what} is {} on process 0 and {} on process {rank}",
                        first[word], call[word]
                    ),
                });
            }
        }
    }
    Ok(())
}

/// A `usize` as a description word (lossless on every platform Rust supports: `usize`
/// has at most 64 bits).
pub(crate) fn word(value: usize) -> u64 {
    value as u64
}

/// A description word back as a `usize`; it was made by [`word`] on a process of the same
/// program, so it fits.
pub(crate) fn unword(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}
