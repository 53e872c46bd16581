//! `partner demo`: all five fakes in-process, each provider's whole flow
//! run with the real clients over HTTP, step by step.

use std::collections::HashMap;
use std::future::Future;
use std::time::Instant;

use serde::Serialize;

use crate::output::{CliError, green, red};

mod blendr;
mod cheetah;
mod cloud66;
mod fleet;
mod ovhcloud;
mod teapplix;

use blendr::blendr;
use cheetah::cheetah;
use cloud66::cloud66;
use ovhcloud::ovhcloud;
use teapplix::teapplix;

/// A provider whose flow the demo runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// OVHcloud.
    Ovhcloud,
    /// Cloud 66.
    Cloud66,
    /// Blendr.io.
    Blendr,
    /// Cheetah CES.
    Cheetah,
    /// Teapplix.
    Teapplix,
}

const ALL: [Provider; 5] = [
    Provider::Ovhcloud,
    Provider::Cloud66,
    Provider::Blendr,
    Provider::Cheetah,
    Provider::Teapplix,
];

/// One step of a flow.
#[derive(Debug, Serialize)]
struct Step {
    provider: Provider,
    step: &'static str,
    ok: bool,
    ms: f64,
    detail: String,
}

type StepResult = Result<String, String>;

/// Records steps and prints them as they happen.
struct Recorder {
    provider: Provider,
    json: bool,
    steps: Vec<Step>,
}

impl Recorder {
    /// Runs one step; a failed step stops the provider's flow (`Err`).
    async fn step<F: Future<Output = StepResult>>(
        &mut self,
        name: &'static str,
        f: F,
    ) -> Result<(), ()> {
        let start = Instant::now();
        let outcome = f.await;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let (ok, detail) = match outcome {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        if !self.json {
            let mark = if ok { green("ok  ") } else { red("FAIL") };
            let provider = format!("{:?}", self.provider).to_lowercase();
            println!("{mark} {provider:<9} {name:<52} {ms:>7.1} ms  {detail}");
        }
        self.steps.push(Step { provider: self.provider, step: name, ok, ms, detail });
        if ok { Ok(()) } else { Err(()) }
    }

    /// A step that produces a value for the next ones (`Ok((value, detail))`).
    async fn value<T, F: Future<Output = Result<(T, String), String>>>(
        &mut self,
        name: &'static str,
        f: F,
    ) -> Result<T, ()> {
        let mut produced = None;
        self.step(name, async {
            let (value, detail) = f.await?;
            produced = Some(value);
            Ok(detail)
        })
        .await?;
        produced.ok_or(())
    }
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

fn browser() -> Result<reqwest::Client, String> {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(e)
}

fn query_map(url: &str) -> HashMap<String, String> {
    partner_core::encoding::form_decode(url.split_once('?').map_or("", |(_, q)| q))
        .into_iter()
        .collect()
}

/// Runs the demo; exit 1 if any step fails.
pub async fn run(only: Option<Provider>, json: bool, redis: Option<&str>) -> Result<(), CliError> {
    let fleet = match redis {
        None => None,
        Some(url) => Some(
            fleet::Fleet::connect(url)
                .await
                .map_err(|err| CliError::failed(format!("redis: {err}")))?,
        ),
    };
    let mut steps = Vec::new();
    for provider in ALL.into_iter().filter(|p| only.is_none_or(|o| o == *p)) {
        let mut rec = Recorder { provider, json, steps: Vec::new() };
        let _ = match provider {
            Provider::Ovhcloud => ovhcloud(&mut rec).await,
            Provider::Cloud66 => cloud66(&mut rec).await,
            Provider::Blendr => blendr(&mut rec).await,
            Provider::Cheetah => cheetah(&mut rec).await,
            Provider::Teapplix => teapplix(&mut rec).await,
        };
        if let Some(fleet) = &fleet {
            let _ = fleet::run(fleet, &mut rec).await;
        }
        steps.extend(rec.steps);
    }
    let failed = steps.iter().filter(|s| !s.ok).count();
    let total_ms: f64 = steps.iter().map(|s| s.ms).sum();
    if json {
        let report = serde_json::json!({"passed": steps.len() - failed, "failed": failed, "total_ms": total_ms, "steps": steps});
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        let summary = format!(
            "{} steps, {} passed, {} failed, {:.0} ms",
            steps.len(),
            steps.len() - failed,
            failed,
            total_ms
        );
        println!();
        println!("{}", if failed == 0 { green(&summary) } else { red(&summary) });
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::failed(format!("{failed} demo step(s) failed")))
    }
}
