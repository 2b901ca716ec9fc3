//! A seed's finished update as a flat list of numbers: what a Web Worker (or a thread) training the seed
//! sends the page (issue 40). An f64 carries every field exactly — counts up to 2⁵³, booleans as 0 / 1, NaN
//! with its bits in a `Float64Array` — so the page records what it would have computed itself, bit for bit.

use nalgebra::DVector;

use super::learner::Report;
use super::terms::Terms;

/// One job's finished update.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// The job (a learner's seed) in the run's list of jobs.
    pub job: usize,
    pub report: Report,
    /// The update's work time (s), by the worker's clock.
    pub seconds: f64,
    /// Whether every parameter was finite after the update.
    pub finite: bool,
    /// The actor's θ and the critic's ω after the update: seed 0's only, the agent the page animates.
    pub agent: Option<(DVector<f64>, DVector<f64>)>,
}

/// The fields of [`Terms`], in the wire's order.
const TERMS: usize = 12;

fn put_terms(out: &mut Vec<f64>, t: Option<&Terms>) {
    let Some(t) = t else {
        out.push(0.0);
        return;
    };
    out.extend([
        1.0,
        t.grad_norm,
        t.grad_omega_norm,
        t.ihvp_norm,
        t.correction_ratio,
        t.cosine,
        f64::from(u8::from(t.clipped)),
        t.critic_loss,
        t.hvps as f64,
        t.ihvp_error,
        t.top_eigenvalue,
        t.condition,
        t.indefinite,
    ]);
}

fn put_vector(out: &mut Vec<f64>, v: &DVector<f64>) {
    out.push(v.len() as f64);
    out.extend(v.iter());
}

/// Reads the numbers in order; a short or malformed message names what was missing.
struct Reader<'a> {
    rest: &'a [f64],
}

impl Reader<'_> {
    fn num(&mut self, what: &str) -> Result<f64, String> {
        let (&first, rest) = self
            .rest
            .split_first()
            .ok_or_else(|| format!("a worker's update ended before `{what}`"))?;
        self.rest = rest;
        Ok(first)
    }

    fn count(&mut self, what: &str) -> Result<usize, String> {
        let v = self.num(what)?;
        if v >= 0.0 && v.fract() == 0.0 && v < 9.0e15 {
            Ok(v as usize)
        } else {
            Err(format!("a worker's update has `{what}` = {v}, not a count"))
        }
    }

    fn flag(&mut self, what: &str) -> Result<bool, String> {
        match self.num(what)? {
            0.0 => Ok(false),
            1.0 => Ok(true),
            v => Err(format!("a worker's update has `{what}` = {v}, not 0 or 1")),
        }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&[f64], String> {
        if self.rest.len() < n {
            return Err(format!("a worker's update ended inside `{what}`"));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn vector(&mut self, what: &str) -> Result<DVector<f64>, String> {
        let n = self.count(what)?;
        Ok(DVector::from_column_slice(self.take(n, what)?))
    }

    fn terms(&mut self, what: &str) -> Result<Option<Terms>, String> {
        if !self.flag(what)? {
            return Ok(None);
        }
        let v = self.take(TERMS, what)?;
        let clipped = match v[5] {
            0.0 => false,
            1.0 => true,
            x => return Err(format!("a worker's update has `{what}.clipped` = {x}")),
        };
        Ok(Some(Terms {
            grad_norm: v[0],
            grad_omega_norm: v[1],
            ihvp_norm: v[2],
            correction_ratio: v[3],
            cosine: v[4],
            clipped,
            critic_loss: v[6],
            hvps: v[7] as usize,
            ihvp_error: v[8],
            top_eigenvalue: v[9],
            condition: v[10],
            indefinite: v[11],
        }))
    }
}

impl Update {
    /// The numbers a worker posts.
    pub fn encode(&self) -> Vec<f64> {
        let r = &self.report;
        let mut out = vec![
            self.job as f64,
            self.seconds,
            f64::from(u8::from(self.finite)),
            r.steps as f64,
            r.actor_loss,
            r.clip_rate,
            r.finished.len() as f64,
        ];
        out.extend(&r.finished);
        put_terms(&mut out, r.terms.as_ref());
        put_terms(&mut out, r.last.as_ref());
        match &self.agent {
            Some((theta, omega)) => {
                out.push(1.0);
                put_vector(&mut out, theta);
                put_vector(&mut out, omega);
            }
            None => out.push(0.0),
        }
        out
    }

    /// The update a worker posted; an error names the field that was short or malformed.
    pub fn decode(numbers: &[f64]) -> Result<Self, String> {
        let mut r = Reader { rest: numbers };
        let job = r.count("job")?;
        let seconds = r.num("seconds")?;
        let finite = r.flag("finite")?;
        let steps = r.count("steps")?;
        let actor_loss = r.num("actor_loss")?;
        let clip_rate = r.num("clip_rate")?;
        let n = r.count("finished")?;
        let finished = r.take(n, "finished")?.to_vec();
        let terms = r.terms("terms")?;
        let last = r.terms("last")?;
        let agent = if r.flag("agent")? {
            Some((r.vector("theta")?, r.vector("omega")?))
        } else {
            None
        };
        if !r.rest.is_empty() {
            return Err(format!(
                "a worker's update has {} numbers after its end",
                r.rest.len()
            ));
        }
        Ok(Self {
            job,
            report: Report {
                steps,
                finished,
                actor_loss,
                terms,
                last,
                clip_rate,
            },
            seconds,
            finite,
            agent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field comes back with its bits (NaN and −0 included); a cut or padded message is refused
    /// naming the field.
    #[test]
    fn an_update_round_trips_bit_for_bit() {
        let terms = Terms {
            grad_norm: 0.1 + 0.2,
            cosine: -0.0,
            clipped: true,
            hvps: 37,
            ihvp_error: f64::NAN,
            condition: -3.5e-300,
            ..Terms::default()
        };
        let update = Update {
            job: 5,
            report: Report {
                steps: 1 << 40,
                finished: vec![9.5, f64::INFINITY, 1e-310],
                actor_loss: f64::NAN,
                terms: Some(terms.clone()),
                last: None,
                clip_rate: 0.25,
            },
            seconds: 0.125,
            finite: false,
            agent: Some((
                DVector::from_vec(vec![1.0, f64::MIN_POSITIVE]),
                DVector::zeros(0),
            )),
        };
        let wire = update.encode();
        let back = Update::decode(&wire).expect("decodes");
        let bits = |u: &Update| {
            let mut v = u.encode();
            v.push(u.report.terms.as_ref().map_or(0.0, |t| t.ihvp_error));
            v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>()
        };
        assert_eq!(bits(&back), bits(&update));
        assert_eq!(
            back.report.terms.map(|t| (t.hvps, t.clipped)),
            Some((37, true))
        );
        assert!(
            Update::decode(&wire[..wire.len() - 1])
                .is_err_and(|e| e.contains("omega") || e.contains("theta"))
        );
        let mut long = wire.clone();
        long.push(0.0);
        assert!(Update::decode(&long).is_err_and(|e| e.contains("after its end")));
        let mut bad = wire;
        bad[2] = 0.5;
        assert!(Update::decode(&bad).is_err_and(|e| e.contains("`finite`")));
    }
}
