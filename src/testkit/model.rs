//! The model-based check: random sequences of operations (creates, renames, deletes, member
//! changes, whole member lists) across two tenants, run against the backend and against a
//! simple reference model; both must give the same successes and failures and end in the same
//! users, groups, members and `User.groups`
//! ([RFC 7644 §3.3–§3.6](https://www.rfc-editor.org/rfc/rfc7644#section-3.3)).
//!
//! Cases are drawn from a seeded generator, so a run is reproducible; a failing case is
//! shrunk to a short sequence, which the [`Failure`] names.

use super::failure::{Outcome, Step, ensure};
use super::harness::Tenant;
use super::model_ops::{Ids, Model, Op, apply, check_state, op};
use super::{BackendFactory, Failure};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// How much the model check runs ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelConfig {
    /// How many random sequences to run (each on a fresh backend).
    pub cases: u32,
    /// The longest sequence.
    pub max_ops: usize,
    /// The generator's seed: the same seed runs the same sequences.
    pub seed: u64,
    /// At most this many extra runs to shrink a failing sequence.
    pub max_shrink_runs: u32,
}

impl Default for ModelConfig {
    /// 64 cases of up to 40 operations, seed 0x5C1A, up to 256 shrinking runs.
    fn default() -> Self {
        ModelConfig {
            cases: 64,
            max_ops: 40,
            seed: 0x5C1A,
            max_shrink_runs: 256,
        }
    }
}

impl ModelConfig {
    /// The default with this many cases.
    pub fn with_cases(mut self, cases: u32) -> Self {
        self.cases = cases;
        self
    }

    /// The default with this seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The default with sequences of at most `max_ops` operations.
    pub fn with_max_ops(mut self, max_ops: usize) -> Self {
        self.max_ops = max_ops;
        self
    }
}

/// Runs the model check with [`ModelConfig::default`] (check `model`;
/// [RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
pub async fn check_model<F: BackendFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    check_model_with(factory, &ModelConfig::default()).await
}

/// Runs the model check (check `model`): `config.cases` random sequences, each on a fresh
/// backend; the first that disagrees with the model is shrunk and reported with its steps
/// ([RFC 7644 §3](https://www.rfc-editor.org/rfc/rfc7644#section-3)).
pub async fn check_model_with<F: BackendFactory + ?Sized>(
    factory: &F,
    config: &ModelConfig,
) -> Result<(), Failure> {
    let mut seed = [0u8; 32];
    for chunk in seed.chunks_mut(8) {
        chunk.copy_from_slice(&config.seed.to_le_bytes());
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = proptest::collection::vec(op(), 1..config.max_ops.max(2));
    for case in 0..config.cases {
        let mut tree = strategy
            .new_tree(&mut runner)
            .map_err(|e| Failure::new("model", format!("generating case {case}: {e}")))?;
        let first = tree.current();
        let Err(error) = run_case(factory, &first).await else {
            continue;
        };
        // Shrink: simplify while the case still fails, step back when it passes.
        let (mut ops, mut error, mut runs) = (first.clone(), error, 0);
        let mut more = tree.simplify();
        while more && runs < config.max_shrink_runs {
            runs += 1;
            let candidate = tree.current();
            match run_case(factory, &candidate).await {
                Err(e) => {
                    (ops, error) = (candidate, e);
                    more = tree.simplify();
                }
                Ok(()) => more = tree.complicate(),
            }
        }
        let steps: Vec<String> = ops
            .iter()
            .enumerate()
            .map(|(i, op)| format!("  {}. {op:?}", i + 1))
            .collect();
        return Err(Failure::new(
            "model",
            format!(
                "case {case} of seed {:#x}, shrunk from {} to {} operations: {error}\n\
                 operations (tenant 0 and 1; users and groups numbered by creation):\n{}",
                config.seed,
                first.len(),
                ops.len(),
                steps.join("\n")
            ),
        ));
    }
    Ok(())
}

/// One sequence on a fresh backend.
async fn run_case<F: BackendFactory + ?Sized>(factory: &F, ops: &[Op]) -> Outcome {
    let b = factory.backend().await;
    let ctxs = [Tenant::A.ctx(), Tenant::B.ctx()];
    let mut models = [Model::default(), Model::default()];
    let mut ids = [Ids::default(), Ids::default()];
    for (step, op) in ops.iter().enumerate() {
        let Some((got, want)) = apply(&*b, &ctxs, &mut models, &mut ids, op).await else {
            continue;
        };
        ensure!(
            got == want,
            "operation {} ({op:?}): the backend answered {got:?}, the model expects {want:?}",
            step + 1
        );
    }
    for t in 0..2 {
        check_state(
            &*b,
            ctxs.get(t).step("ctx")?,
            models.get(t).step("model")?,
            ids.get(t).step("ids")?,
        )
        .await
        .map_err(|e| format!("after all operations, tenant {t}: {e}"))?;
    }
    Ok(())
}
