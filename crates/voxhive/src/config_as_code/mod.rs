//! Config as code: `voxhive export`, `plan` and `apply` keep a workspace's assistants as one
//! YAML file each, in git, and talk to a running VoxHive through its JSON API with a token.

mod apply;
mod client;
mod export;
mod files;
mod plan;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use apply::Options as ApplyOptions;
use client::Api;

/// Which VoxHive to talk to, and the token to act with. No `Debug`: it holds the token.
#[derive(clap::Args)]
pub struct RemoteArgs {
    /// The URL of the running VoxHive.
    #[arg(
        long,
        env = "VOXHIVE_SERVER",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    /// An API token (`vh_…`). Prefer the environment variable: a flag shows in the process list.
    #[arg(long, env = "VOXHIVE_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A file holding the API token, used when no token is given otherwise.
    #[arg(long, env = "VOXHIVE_TOKEN_FILE", value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

/// `voxhive export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The directory to write to, one folder per connection; created when missing.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Overwrite files whose edits were not applied yet.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `voxhive plan`.
#[derive(clap::Args)]
pub struct PlanArgs {
    /// The directory of assistant files.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// `voxhive apply`.
#[derive(clap::Args)]
pub struct ApplyArgs {
    /// The directory of assistant files.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Push each assistant that apply changed to its provider (guarded: a change made at the
    /// provider since the last sync stops that push with a conflict).
    #[arg(long)]
    pub push: bool,
    /// Apply files even where the assistant changed on the server since they were exported,
    /// overwriting that change.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// The token from `--token`/`VOXHIVE_TOKEN`, else from `--token-file`/`VOXHIVE_TOKEN_FILE`.
fn token(args: &RemoteArgs) -> anyhow::Result<String> {
    if let Some(token) = args.token.as_deref().filter(|t| !t.trim().is_empty()) {
        return Ok(token.trim().to_string());
    }
    if let Some(path) = &args.token_file {
        let token =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the token file {}", path.display()))?;
        if token.trim().is_empty() {
            bail!("the token file {} is empty", path.display());
        }
        return Ok(token.trim().to_string());
    }
    bail!("no API token: set VOXHIVE_TOKEN (or VOXHIVE_TOKEN_FILE) to a token from `voxhive token create` or Settings, API tokens")
}

/// A client of the server, checked with `GET /me` so that a wrong URL or token stops here.
async fn connect(args: &RemoteArgs) -> anyhow::Result<(Api, String)> {
    let api = Api::new(&args.server, &token(args)?).map_err(anyhow::Error::msg)?;
    let me = api.me().await?;
    let who = format!(
        "VoxHive at {}, workspace {:?} as {}",
        api.server(),
        me.workspace.name,
        me.user.email
    );
    Ok((api, who))
}

fn existing_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.is_dir() {
        bail!(
            "{} is not a directory; create it with `voxhive export --dir {}`",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// `voxhive export`: 0 when every assistant was written, 1 when a file was kept.
pub async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let (api, who) = connect(&args.remote).await?;
    println!("Exporting from {who}.");
    let ok = export::run(&api, &args.dir, args.force).await?;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `voxhive plan`: 0 when nothing would change, 2 when changes are pending, 1 on an error.
pub async fn plan(args: PlanArgs) -> anyhow::Result<ExitCode> {
    existing_dir(&args.dir)?;
    let (api, who) = connect(&args.remote).await?;
    println!("Comparing {} with {who}.", args.dir.display());
    let plan = plan::make(&api, &args.dir).await?;
    plan::print(&plan, &args.dir);
    Ok(if plan.errors() > 0 {
        ExitCode::FAILURE
    } else if plan.pending() > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `voxhive apply`: 0 when every file was applied (and pushed), 1 otherwise.
pub async fn apply(args: ApplyArgs) -> anyhow::Result<ExitCode> {
    existing_dir(&args.dir)?;
    let (api, who) = connect(&args.remote).await?;
    println!("Applying {} to {who}.", args.dir.display());
    let options = ApplyOptions {
        push: args.push,
        force: args.force,
    };
    let ok = apply::run(&api, &args.dir, options).await?;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
