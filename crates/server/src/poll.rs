//! A poll of a room: its answers, whether it is open, one vote per device; and the CSV field its id becomes.

use std::collections::HashMap;

use bilevel_lab_classroom::Poll;

/// A poll and its votes, one per device.
#[derive(Clone, Debug)]
pub struct PollState {
    pub id: String,
    pub answers: usize,
    pub open: bool,
    pub votes: HashMap<String, usize>,
}

impl PollState {
    pub fn shown(&self) -> Poll {
        Poll {
            poll: self.id.clone(),
            answers: self.answers,
            open: self.open,
        }
    }

    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.answers];
        for &a in self.votes.values() {
            if let Some(c) = counts.get_mut(a) {
                *c += 1;
            }
        }
        counts
    }
}

/// A CSV field: quoted when it holds a comma, a quote or a line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
