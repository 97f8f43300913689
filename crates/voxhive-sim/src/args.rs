//! Command-line flags of `voxhive sim` and the function that runs the simulator from them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::config::{
    ElevenLabsWorkspaceConfig, Faults, SimConfig, Sizes, VapiOrgConfig, DEFAULT_EL_KEY, DEFAULT_EL_WEBHOOK_SECRET,
};
use crate::handle::start;

/// Flags of the provider simulator.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8090, env = "VOXHIVE_SIM_PORT")]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A Vapi organisation's API key; repeat for several organisations [default: the two demo keys].
    #[arg(long = "vapi-key")]
    pub vapi_keys: Vec<String>,
    /// An ElevenLabs workspace's API key; repeat for several workspaces [default: the demo key].
    #[arg(long = "elevenlabs-key")]
    pub elevenlabs_keys: Vec<String>,
    /// Assistants per Vapi organisation and agents per ElevenLabs workspace.
    #[arg(long, default_value_t = Sizes::default().assistants_per_org)]
    pub assistants: usize,
    /// Calls and conversations in total.
    #[arg(long, default_value_t = Sizes::default().calls)]
    pub calls: usize,
    /// Days of history.
    #[arg(long, default_value_t = Sizes::default().days)]
    pub days: u32,
    /// Latency added to every provider request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of provider requests (0 to 1) answered with a fault (429, 500, 503, reset or timeout).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Requests per second allowed per API key.
    #[arg(long)]
    pub rate_limit_per_key: Option<u32>,
    /// Time between two steps of a live call, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    pub live_step_ms: u64,
}

impl SimArgs {
    /// The configuration these flags describe.
    pub fn config(&self) -> SimConfig {
        let mut config = SimConfig {
            seed: self.seed,
            sizes: Sizes {
                assistants_per_org: self.assistants,
                calls: self.calls,
                days: self.days,
            },
            faults: Faults {
                latency_ms: self.latency_ms,
                error_rate: self.error_rate.clamp(0.0, 1.0),
                rate_limit_per_key: self.rate_limit_per_key,
                ..Faults::default()
            },
            live_step: Duration::from_millis(self.live_step_ms),
            ..SimConfig::default()
        };
        if !self.vapi_keys.is_empty() {
            config.vapi_orgs = self
                .vapi_keys
                .iter()
                .enumerate()
                .map(|(i, key)| VapiOrgConfig {
                    name: format!("Organisation {}", i + 1),
                    api_key: key.clone(),
                })
                .collect();
        }
        if !self.elevenlabs_keys.is_empty() {
            config.elevenlabs_workspaces = self
                .elevenlabs_keys
                .iter()
                .enumerate()
                .map(|(i, key)| ElevenLabsWorkspaceConfig {
                    name: format!("Workspace {}", i + 1),
                    api_key: key.clone(),
                    webhook_secret: if key == DEFAULT_EL_KEY {
                        DEFAULT_EL_WEBHOOK_SECRET.into()
                    } else {
                        format!("wsec_{key}")
                    },
                })
                .collect();
        }
        config
    }
}

/// Runs the simulator until Ctrl-C, after printing its URL and keys.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let config = args.config();
    let handle = start(config.clone(), SocketAddr::new(args.host, args.port)).await?;
    println!("provider simulator listening on {}", handle.base_url());
    println!("  Vapi (Authorization: Bearer <key>) at {}/", handle.base_url());
    for org in &config.vapi_orgs {
        println!("    {}: {}", org.name, org.api_key);
    }
    println!("  ElevenLabs (xi-api-key: <key>) at {}/v1/", handle.base_url());
    for ws in &config.elevenlabs_workspaces {
        println!("    {}: {} (webhook secret {})", ws.name, ws.api_key, ws.webhook_secret);
    }
    println!("  faults: POST {}/__sim/faults", handle.base_url());
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimArgs,
    }

    #[test]
    fn repeated_keys_make_one_account_each() {
        let cli = Cli::parse_from([
            "sim",
            "--vapi-key",
            "a",
            "--vapi-key",
            "b",
            "--vapi-key",
            "c",
            "--error-rate",
            "0.3",
        ]);
        let config = cli.sim.config();
        assert_eq!(config.vapi_orgs.len(), 3);
        assert_eq!(config.elevenlabs_workspaces[0].api_key, DEFAULT_EL_KEY);
        assert_eq!(config.faults.error_rate, 0.3);
    }
}
