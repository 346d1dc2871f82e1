package register

import (
	"context"
	"math"
)

// Why an optimisation level stopped.
const (
	StopConverged     = "converged"      // a step shorter than the minimum: at the optimum
	StopMaxIterations = "max_iterations" // the iteration budget ran out
	StopZeroGradient  = "zero_gradient"  // the metric is flat at the position
)

// lbfgs minimises with limited-memory BFGS, like elastix's
// QuasiNewtonLBFGS, with a backtracking (Armijo) line search. Plain
// gradient descent, ITK's regular-step one included, crawls
// along the badly conditioned directions of a registration (a shift along
// the body's long axis changes the metric far less than one across it);
// the quasi-Newton model rescales them.
//
// The search runs in scaled parameters u = μ·scale, where scale[k] is the
// RMS displacement of the samples per unit of μ[k] (ITK's physical-shift
// scales): 1 for a translation, the RMS distance from the rotation axis for
// an angle. Step lengths are then displacements of the samples in mm,
// whichever parameters they move: no step is longer than maxStep, and the
// search has converged when no step of at least minStep decreases the cost,
// or when patience successive steps were shorter than that.
type lbfgs struct {
	maxStep, minStep float64
	maxIter          int
	scale            params
}

// memory is the number of (step, gradient change) pairs the quasi-Newton
// model keeps.
const memory = 6

// armijo is the sufficient-decrease fraction of the line search.
const armijo = 1e-4

// objective is the cost to minimise and its gradient.
type objective func(p params) (cost float64, grad params, err error)

// outcome is where a search ended.
type outcome struct {
	at         params
	iterations int
	step       float64 // the last step length, mm
	stop       string
}

// minimize searches from p. progress receives the fraction done in [0, 1].
func (o lbfgs) minimize(ctx context.Context, f objective, p params, progress func(float64)) (outcome, error) {
	// Work in scaled coordinates: the cost of u is f(u/scale) and its
	// gradient ∂f/∂μ / scale.
	eval := func(u params) (float64, params, error) {
		var q params
		for k := range u {
			q[k] = u[k] / o.scale[k]
		}
		c, g, err := f(q)
		for k := range g {
			g[k] /= o.scale[k]
		}
		return c, g, err
	}
	var u params
	for k := range p {
		u[k] = p[k] * o.scale[k]
	}
	unscale := func(u params) params {
		for k := range u {
			u[k] /= o.scale[k]
		}
		return u
	}
	cost, g, err := eval(u)
	if err != nil {
		return outcome{}, err
	}
	var ss, ys []params
	step, short := o.maxStep, 0
	for it := 0; ; it++ {
		if err := ctx.Err(); err != nil {
			return outcome{}, err
		}
		if it == o.maxIter {
			return outcome{unscale(u), it, step, StopMaxIterations}, nil
		}
		if norm(g) == 0 {
			return outcome{unscale(u), it, 0, StopZeroGradient}, nil
		}
		d := direction(g, ss, ys)
		if dot(g, d) >= 0 { // the model is no longer positive definite
			ss, ys = nil, nil
			d = direction(g, nil, nil)
		}
		next, nextCost, nextG, ok, err := o.lineSearch(ctx, eval, u, cost, g, d, len(ss) == 0)
		if err != nil {
			return outcome{}, err
		}
		if !ok && len(ss) > 0 {
			// The model led nowhere: forget it and go down the gradient.
			ss, ys = nil, nil
			d = direction(g, nil, nil)
			if next, nextCost, nextG, ok, err = o.lineSearch(ctx, eval, u, cost, g, d, true); err != nil {
				return outcome{}, err
			}
		}
		if !ok {
			return outcome{unscale(u), it, o.minStep, StopConverged}, nil
		}
		var s, y params
		for k := range s {
			s[k], y[k] = next[k]-u[k], nextG[k]-g[k]
		}
		if dot(s, y) > 1e-12*dot(s, s) {
			ss, ys = append(ss, s), append(ys, y)
			if len(ss) > memory {
				ss, ys = ss[1:], ys[1:]
			}
		}
		u, cost, g = next, nextCost, nextG
		step = norm(s)
		progress(math.Max(float64(it+1)/float64(o.maxIter), math.Log(o.maxStep/math.Max(step, o.minStep))/math.Log(o.maxStep/o.minStep)))
		if short = short + 1; step >= o.minStep {
			short = 0
		}
		if short == patience {
			return outcome{unscale(u), it + 1, step, StopConverged}, nil
		}
	}
}

// patience is the number of successive steps shorter than minStep that
// end the search: one short step may only mean the model is still young.
const patience = 3

// lineSearch backtracks from u along d until the cost decreases enough.
// It starts from the model's step (capped at maxStep), or from maxStep when
// d is a bare gradient, which has no length scale; it gives up (ok false)
// once the trial step is shorter than minStep, but always tries the first.
func (o lbfgs) lineSearch(ctx context.Context, eval objective, u params, cost float64, g, d params, bare bool) (next params, nextCost float64, nextG params, ok bool, err error) {
	alpha := math.Min(1, o.maxStep/norm(d))
	if bare {
		alpha = o.maxStep / norm(d)
	}
	slope := dot(g, d)
	for first := true; first || alpha*norm(d) >= o.minStep; first = false {
		if err := ctx.Err(); err != nil {
			return next, 0, nextG, false, err
		}
		for k := range u {
			next[k] = u[k] + alpha*d[k]
		}
		if nextCost, nextG, err = eval(next); err != nil {
			return next, 0, nextG, false, err
		}
		if nextCost <= cost+armijo*alpha*slope {
			return next, nextCost, nextG, true, nil
		}
		alpha /= 2
	}
	return next, 0, nextG, false, nil
}

// physicalScales are ITK's physical-shift parameter scales for points
// given relative to the centre of rotation: the RMS distance of the points
// from each rotation axis (their displacement in mm per radian), and 1 for
// each translation.
func physicalScales(points [][3]float64) params {
	var s params
	for _, q := range points {
		s[0] += q[1]*q[1] + q[2]*q[2]
		s[1] += q[0]*q[0] + q[2]*q[2]
		s[2] += q[0]*q[0] + q[1]*q[1]
	}
	for k := 0; k < 3; k++ {
		s[k] = math.Max(1, math.Sqrt(s[k]/float64(len(points))))
		s[3+k] = 1
	}
	return s
}

// direction is −H·g for the L-BFGS inverse Hessian model of the pairs
// (ss, ys), oldest first (Nocedal's two-loop recursion).
func direction(g params, ss, ys []params) params {
	q := g
	alpha := make([]float64, len(ss))
	for i := len(ss) - 1; i >= 0; i-- {
		alpha[i] = dot(ss[i], q) / dot(ys[i], ss[i])
		for k := range q {
			q[k] -= alpha[i] * ys[i][k]
		}
	}
	gamma := 1.0
	if n := len(ss); n > 0 {
		gamma = dot(ss[n-1], ys[n-1]) / dot(ys[n-1], ys[n-1])
	}
	for k := range q {
		q[k] *= gamma
	}
	for i := range ss {
		beta := dot(ys[i], q) / dot(ys[i], ss[i])
		for k := range q {
			q[k] += (alpha[i] - beta) * ss[i][k]
		}
	}
	for k := range q {
		q[k] = -q[k]
	}
	return q
}

func dot(a, b params) float64 {
	var s float64
	for k := range a {
		s += a[k] * b[k]
	}
	return s
}

func norm(a params) float64 { return math.Sqrt(dot(a, a)) }
