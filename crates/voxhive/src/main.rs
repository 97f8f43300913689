//! `voxhive`: the server, the demo, and admin verbs, in one binary.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use voxhive::config::{self, Config, LogFormat};
use voxhive::{admin, config_as_code, logging, server};
use voxhive_core::Role;

/// VoxHive: a self-hosted control plane for voice-AI agents on Vapi and ElevenLabs.
///
/// Configuration comes from defaults, then the TOML file given with --config (or VOXHIVE_CONFIG),
/// then VOXHIVE_* environment variables, then flags. With no configuration at all, VoxHive listens
/// on 127.0.0.1:8080 and keeps a SQLite database in ./voxhive-data.
#[derive(Parser)]
#[command(name = "voxhive", version, propagate_version = true)]
struct Cli {
    /// A TOML configuration file.
    #[arg(long, global = true, env = "VOXHIVE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The database: sqlite:PATH or postgres://USER:PASSWORD@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "VOXHIVE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// The directory holding the SQLite database and other data.
    #[arg(long, global = true, env = "VOXHIVE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Log lines as human-readable text or as JSON.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server: pages, JSON API and background jobs.
    Serve(ServeArgs),
    /// Run a demo server on its own SQLite file with a demo account, and print how to sign in.
    Demo(DemoArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Run the provider simulator alone (Vapi at the root, ElevenLabs under /v1/), for tests,
    /// benchmarks and development without provider accounts.
    Sim(voxhive_sim::SimArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Recompute the Usage & Cost rollups of every workspace from its calls, report each
    /// difference and repair it. Exits 0 when all matched, 3 when something was repaired.
    Doctor,
    /// Manage the master key that seals provider API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write every assistant of the workspace to DIR, one YAML file each
    /// (DIR/<connection>/<assistant>.yaml), from a running VoxHive (--server, VOXHIVE_TOKEN).
    Export(config_as_code::ExportArgs),
    /// Show what `apply` would change on the server. Exits 0 when nothing would change, 2 when
    /// changes are pending, 1 on an error.
    Plan(config_as_code::PlanArgs),
    /// Save each changed file as a new revision and create each new assistant on the server;
    /// with --push, push them to their providers. Files applied are written again with their
    /// ids and hashes: commit them.
    Apply(config_as_code::ApplyArgs),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-encrypt every stored secret under a new master key, in one transaction. With a key
    /// file, the file is replaced; with VOXHIVE_MASTER_KEY, the new key is printed for you to set.
    Rotate,
}

#[derive(Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "VOXHIVE_BIND", value_name = "ADDR")]
    bind: Option<String>,
    /// The URL users reach VoxHive at (used in links VoxHive shows, such as invitations).
    #[arg(long, env = "VOXHIVE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
}

#[derive(Args)]
struct DemoArgs {
    /// Port to listen on (on 127.0.0.1).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Port of the in-process provider simulator (on 127.0.0.1).
    #[arg(long, default_value_t = 8090)]
    sim_port: u16,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account and add it to a workspace. Prints a generated password unless
    /// --password-stdin is given.
    ///
    /// The first owner: `voxhive user add --owner --email you@example.com`.
    Add {
        #[arg(long)]
        email: String,
        /// A display name.
        #[arg(long, default_value = "")]
        name: String,
        /// Make the account an owner, creating the workspace if it does not exist.
        #[arg(long, conflicts_with = "role")]
        owner: bool,
        /// The workspace to join (default: "Default").
        #[arg(long, value_name = "NAME")]
        workspace: Option<String>,
        /// The role in the workspace: admin, editor or viewer (default: editor).
        #[arg(long)]
        role: Option<Role>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account and sign it out everywhere.
    Passwd {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for an account and print it (it is shown only once).
    Create {
        #[arg(long)]
        email: String,
        /// The workspace the token acts in; needed when the account belongs to several.
        #[arg(long, value_name = "NAME")]
        workspace: Option<String>,
        /// A name to recognise the token by.
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match load_config(&cli) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    logging::init(config.log_format, &config.log);
    for name in config::unknown_env_vars() {
        tracing::warn!("ignoring unknown environment variable {name}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = match cli.command {
        Command::Export(args) => runtime.block_on(config_as_code::export(args)),
        Command::Plan(args) => runtime.block_on(config_as_code::plan(args)),
        Command::Apply(args) => runtime.block_on(config_as_code::apply(args)),
        Command::Doctor => runtime.block_on(doctor(config)),
        command => runtime.block_on(run(command, config)).map(|()| ExitCode::SUCCESS),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = match &cli.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    config.apply_env()?;
    if let Some(url) = &cli.database_url {
        config.database_url = Some(url.clone());
    }
    if let Some(dir) = &cli.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(format) = cli.log_format {
        config.log_format = format;
    }
    if let Command::Serve(args) = &cli.command {
        if let Some(bind) = &args.bind {
            config.bind = bind.clone();
        }
        if let Some(url) = &args.public_url {
            config.public_url = Some(url.clone());
        }
    }
    config.database()?;
    Ok(config)
}

fn read_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        Ok((admin::generate_password(), true))
    }
}

async fn doctor(config: Config) -> anyhow::Result<ExitCode> {
    let store = server::open_store(&config).await?;
    let report = admin::doctor(&store).await?;
    for line in admin::doctor_lines(&report) {
        println!("{line}");
    }
    let clean = report.iter().all(|(_, check)| check.is_clean());
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

async fn run(command: Command, mut config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve(_) => {
            let running = server::start(&config).await?;
            tracing::info!(addr = %running.addr, database = %config.database()?, "VoxHive is listening");
            println!("VoxHive is listening on http://{}", running.addr);
            if running.store.count_users().await? == 0 {
                println!(
                    "No account exists yet. Create the first owner with:\n  voxhive user add --owner --email you@example.com{}",
                    config.data_dir_flag()
                );
            }
            server::serve_until_signal(running).await
        }
        Command::Demo(args) => voxhive::demo::run(&mut config, args.port, args.sim_port).await,
        Command::User(UserCommand::Add {
            email,
            name,
            owner,
            workspace,
            role,
            password_stdin,
        }) => {
            let store = server::open_store(&config).await?;
            let role = if owner {
                Role::Owner
            } else {
                role.unwrap_or(Role::Editor)
            };
            if role == Role::Owner && !owner {
                anyhow::bail!("use --owner to create an owner");
            }
            let (password, generated) = read_password(password_stdin)?;
            let added = admin::add_user(&store, &email, &name, &password, workspace.as_deref(), role).await?;
            println!("Added {} to {:?} as {}.", added.user.email, added.workspace, added.role);
            if generated {
                println!("Password: {password}");
            }
            Ok(())
        }
        Command::User(UserCommand::Passwd { email, password_stdin }) => {
            let store = server::open_store(&config).await?;
            let (password, generated) = read_password(password_stdin)?;
            let user = admin::reset_password(&store, &email, &password).await?;
            println!("Password of {} changed; its sessions are signed out.", user.email);
            if generated {
                println!("Password: {password}");
            }
            Ok(())
        }
        Command::Sim(args) => voxhive_sim::run(args).await.map_err(|e| anyhow::anyhow!("{e}")),
        Command::Keys(KeysCommand::Rotate) => {
            let store = server::open_store(&config).await?;
            let (count, key, source) = voxhive::master_key::rotate(&config, &store).await?;
            println!("Re-encrypted {count} secret(s) under a new master key.");
            match source {
                voxhive::master_key::KeySource::File(path) => println!("The new key is in {}.", path.display()),
                voxhive::master_key::KeySource::Env => {
                    println!(
                        "Set VOXHIVE_MASTER_KEY to the new key before the next start:\n{}",
                        key.encode()
                    )
                }
            }
            Ok(())
        }
        Command::Export(_) | Command::Plan(_) | Command::Apply(_) | Command::Doctor => unreachable!("run in main"),
        Command::Token(TokenCommand::Create { email, workspace, name }) => {
            let store = server::open_store(&config).await?;
            let token = admin::create_token(&store, &email, workspace.as_deref(), &name).await?;
            println!("{token}");
            Ok(())
        }
    }
}
