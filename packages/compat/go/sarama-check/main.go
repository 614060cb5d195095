// sarama-check drives Shopify sarama (Debian's golang-github-shopify-sarama-dev) against a broker for the compat
// suite: "produce" sends records with a sync producer (acks=all), "consume" reads with a consumer group until it
// has handled -max records, marks each one, and leaves the group (which commits the marked offsets). With -user,
// it authenticates with SASL (PLAIN, or SCRAM through scram.go). Every outcome is one JSON line on stdout; a failure
// is {"error": "..."} and exit code 1.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

func emit(v interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func fail(format string, args ...interface{}) {
	emit(map[string]string{"error": fmt.Sprintf(format, args...)})
	os.Exit(1)
}

var saslUser, saslPassword, saslMechanism string

func config(version string) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = "sarama-check"
	if saslUser != "" {
		c.Net.SASL.Enable = true
		c.Net.SASL.User = saslUser
		c.Net.SASL.Password = saslPassword
		c.Net.SASL.Mechanism = sarama.SASLMechanism(saslMechanism)
		if saslMechanism != "PLAIN" {
			gen := newScramClient(saslMechanism)
			c.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return gen() }
		}
	}
	if version != "default" {
		v, err := sarama.ParseKafkaVersion(version)
		if err != nil {
			fail("bad -version %q: %v", version, err)
		}
		c.Version = v
	}
	c.Metadata.Retry.Max = 2
	c.Metadata.Retry.Backoff = 100 * time.Millisecond
	return c
}

func produce(brokers []string, version, topic, prefix string, count int) {
	c := config(version)
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Return.Successes = true
	c.Producer.Retry.Max = 2
	c.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	p, err := sarama.NewSyncProducer(brokers, c)
	if err != nil {
		fail("producer: %v", err)
	}
	defer p.Close()
	for i := 0; i < count; i++ {
		msg := &sarama.ProducerMessage{
			Topic: topic,
			Key:   sarama.StringEncoder(fmt.Sprintf("k%d", i)),
			Value: sarama.StringEncoder(fmt.Sprintf("%s-%d", prefix, i)),
		}
		partition, offset, err := p.SendMessage(msg)
		if err != nil {
			fail("send %d: %v", i, err)
		}
		emit(map[string]interface{}{"produced": fmt.Sprintf("%s-%d", prefix, i), "partition": partition, "offset": offset})
	}
	emit(map[string]interface{}{"done": "produce", "count": count})
}

// handler marks at most max records across every claim, then cancels the session.
type handler struct {
	mu     sync.Mutex
	seen   int
	max    int
	cancel context.CancelFunc
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for msg := range claim.Messages() {
		h.mu.Lock()
		if h.seen >= h.max {
			h.mu.Unlock()
			return nil
		}
		h.seen++
		emit(map[string]interface{}{
			"consumed": string(msg.Value), "key": string(msg.Key), "partition": msg.Partition, "offset": msg.Offset,
		})
		s.MarkMessage(msg, "")
		done := h.seen >= h.max
		h.mu.Unlock()
		if done {
			h.cancel()
			return nil
		}
	}
	return nil
}

func consume(brokers []string, version, topic, group string, max int, timeout time.Duration) {
	c := config(version)
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	c.Consumer.Return.Errors = true
	g, err := sarama.NewConsumerGroup(brokers, group, c)
	if err != nil {
		fail("consumer group: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		for err := range g.Errors() {
			emit(map[string]string{"groupError": err.Error()})
		}
	}()
	h := &handler{max: max, cancel: cancel}
	for ctx.Err() == nil {
		if err := g.Consume(ctx, []string{topic}, h); err != nil {
			fail("consume: %v", err)
		}
	}
	// Close leaves the group; the session's end has committed the marked offsets.
	if err := g.Close(); err != nil {
		fail("close: %v", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen < max {
		fail("consumed %d of %d records within %s", h.seen, max, timeout)
	}
	emit(map[string]interface{}{"done": "consume", "count": h.seen})
}

func main() {
	brokers := flag.String("brokers", "", "bootstrap host:port, comma-separated")
	version := flag.String("version", "default", "sarama.Config.Version (e.g. 1.0.0, 2.0.0) or \"default\"")
	topic := flag.String("topic", "", "topic")
	group := flag.String("group", "", "consumer group (consume)")
	prefix := flag.String("prefix", "v", "value prefix (produce)")
	count := flag.Int("count", 10, "records to produce")
	max := flag.Int("max", 10, "records to consume before leaving the group")
	timeoutMs := flag.Int("timeout-ms", 30000, "how long consume may take")
	flag.StringVar(&saslUser, "user", "", "SASL username (none: no SASL)")
	flag.StringVar(&saslPassword, "password", "", "SASL password")
	flag.StringVar(&saslMechanism, "mechanism", "PLAIN", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	if len(os.Args) < 2 {
		fail("usage: sarama-check produce|consume [flags]")
	}
	cmd := os.Args[1]
	if err := flag.CommandLine.Parse(os.Args[2:]); err != nil {
		fail("%v", err)
	}
	if *brokers == "" || *topic == "" {
		fail("-brokers and -topic are required")
	}
	list := strings.Split(*brokers, ",")
	switch cmd {
	case "produce":
		produce(list, *version, *topic, *prefix, *count)
	case "consume":
		if *group == "" {
			fail("-group is required")
		}
		consume(list, *version, *topic, *group, *max, time.Duration(*timeoutMs)*time.Millisecond)
	default:
		fail("unknown command %q", cmd)
	}
}
