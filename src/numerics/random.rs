//! Random draws from a passed-in, seeded RNG (never a global one), and the seeded generator itself.

use rand::{Rng, RngCore, SeedableRng};

/// SplitMix64 (Steele, Lea & Flood 2014; Vigna's reference constants): the same stream for the same seed
/// on every platform. `rand`'s `SmallRng` is a different algorithm on 32-bit targets (wasm32) than on
/// 64-bit ones, so a seed in a shared link would replay differently in the browser and in the CLI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededRng(u64);

impl RngCore for SeededRng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

impl SeedableRng for SeededRng {
    type Seed = [u8; 8];

    fn from_seed(seed: Self::Seed) -> Self {
        Self(u64::from_le_bytes(seed))
    }

    /// The seed is the generator's state, as in the reference implementation.
    fn seed_from_u64(state: u64) -> Self {
        Self(state)
    }
}

/// A draw from a discrete distribution given as (index, weight) pairs with weights summing to 1, by inverse
/// CDF on one uniform (so two calls with the same stream and nearby weights draw alike: common random
/// numbers); the last index when rounding leaves the sum short of the uniform.
pub fn categorical<R: Rng + ?Sized>(
    weights: impl Iterator<Item = (usize, f64)>,
    rng: &mut R,
) -> usize {
    let u: f64 = rng.random_range(0.0..1.0);
    let mut acc = 0.0;
    let mut last = 0;
    for (k, w) in weights {
        acc += w;
        last = k;
        if u < acc {
            return k;
        }
    }
    last
}

/// A standard normal N(0, 1) draw by Box–Muller (keeps `rand` without `rand_distr`).
pub fn gaussian<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng as _, rngs::SmallRng};

    #[test]
    fn seeded_rng_is_the_reference_splitmix64() {
        use rand::{RngCore as _, SeedableRng as _};
        // First outputs of Vigna's splitmix64.c for the state 1234567.
        let mut rng = super::SeededRng::seed_from_u64(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn gaussian_moments() {
        let mut rng = SmallRng::seed_from_u64(7);
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| super::gaussian(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.01,
            "{mean} {var}"
        );
    }
}

/// Checks of estimators for the tests of every module.
#[cfg(test)]
pub(crate) mod testing {
    use nalgebra::DVector;

    /// Each coordinate of the mean of `draws` lies within 4 standard errors of `want` (plus `slack` for
    /// coordinates whose draws do not vary); returns the standard errors.
    pub fn assert_unbiased(
        draws: &[DVector<f64>],
        want: &DVector<f64>,
        slack: f64,
        what: &str,
    ) -> DVector<f64> {
        let k = draws.len() as f64;
        let mean = draws.iter().fold(DVector::zeros(want.len()), |a, d| a + d) / k;
        DVector::from_fn(want.len(), |i, _| {
            let var = draws.iter().map(|d| (d[i] - mean[i]).powi(2)).sum::<f64>() / (k - 1.0);
            let se = (var / k).sqrt();
            assert!(
                (mean[i] - want[i]).abs() <= 4.0 * se + slack,
                "{what}[{i}]: mean {} vs {} (standard error {se})",
                mean[i],
                want[i]
            );
            se
        })
    }
}
