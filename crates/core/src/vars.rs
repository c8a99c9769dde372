//! Workflow variables in scope for a frame: what the frame itself assigned, over a shared
//! read-only snapshot of the enclosing scope (a Map iteration or Parallel branch reads its
//! parent's variables but its assignments stay inside it).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vars {
    /// The enclosing scope at the time the frame was created, shared between siblings.
    pub outer: Option<Arc<Map<String, Value>>>,
    /// Variables assigned in this frame.
    pub own: Map<String, Value>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.own.get(name).or_else(|| self.outer.as_ref().and_then(|o| o.get(name)))
    }

    pub fn is_empty(&self) -> bool {
        self.own.is_empty() && self.outer.as_ref().is_none_or(|o| o.is_empty())
    }

    /// Assigns every variable of `values` (evaluated beforehand, so assignments in one
    /// block never see each other).
    pub fn assign(&mut self, values: Map<String, Value>) {
        for (k, v) in values {
            self.own.insert(k, v);
        }
    }

    /// The whole visible scope as one shared map, for child frames.
    pub fn snapshot(&self) -> Option<Arc<Map<String, Value>>> {
        if self.own.is_empty() {
            return self.outer.clone();
        }
        let mut all = self.outer.as_deref().cloned().unwrap_or_default();
        for (k, v) in &self.own {
            all.insert(k.clone(), v.clone());
        }
        Some(Arc::new(all))
    }

    /// Every visible variable (outer first, own values winning).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        let outer = self.outer.iter().flat_map(|o| o.iter()).filter(|(k, _)| !self.own.contains_key(*k));
        outer.chain(self.own.iter())
    }
}

impl statecraft_expr::Variables for Vars {
    fn get(&self, name: &str) -> Option<&Value> {
        Vars::get(self, name)
    }
}
