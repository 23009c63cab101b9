package spam

import (
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/lychgate/lychgate/config"
	"github.com/lychgate/lychgate/message"
	"github.com/lychgate/lychgate/scanners/spam/bayes"
)

// NewClassifier returns the Bayesian classifier of cfg over Redis: keys
// "<keyPrefix>:bayes:{<scope>}:...", shared by every instance with the same
// scope. limits are the parse limits LearnHam uses.
func NewClassifier(cfg config.SpamBayes, rdb redis.UniversalClient, keyPrefix string, limits message.Limits) (*bayes.Classifier, error) {
	st, err := bayes.NewRedisStore(bayes.RedisOptions{Client: rdb, Prefix: keyPrefix, Scope: cfg.Scope, TokenTTL: cfg.TokenTTL.Duration})
	if err != nil {
		return nil, err
	}
	c, err := bayes.New(bayes.Options{Store: st, MinSpam: int64(cfg.MinSpam), MinHam: int64(cfg.MinHam), Limits: limits,
		Tokenize: bayes.TokenizeOptions{InternalHosts: cfg.InternalHosts}})
	if err != nil {
		return nil, fmt.Errorf("spam: classifier: %w", err)
	}
	return c, nil
}

// OptionsFromConfig returns scanner options from cfg; the classifier and
// the extra checks are built by the caller (they need Redis and DNS).
func OptionsFromConfig(cfg config.Spam, logger *slog.Logger) Options {
	return Options{Logger: logger, Scores: cfg.Scores, Thresholds: cfg.Thresholds}
}
