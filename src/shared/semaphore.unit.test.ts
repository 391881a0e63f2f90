import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Semaphore } from './semaphore.ts'

describe('Semaphore', () => {
  it('lets `size` holders in, the others in arrival order as slots free up', async () => {
    const slots = new Semaphore(2)
    const order: string[] = []
    const first = await slots.acquire()
    const second = await slots.acquire()
    assert.equal(slots.held, 2)
    const third = slots.acquire().then((release) => (order.push('third'), release))
    const fourth = slots.acquire().then((release) => (order.push('fourth'), release))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(order, [])
    first()
    first() // a second release of the same slot changes nothing
    const releaseThird = await third
    assert.deepEqual(order, ['third'])
    assert.equal(slots.held, 2)
    second()
    ;(await fourth)()
    releaseThird()
    assert.deepEqual(order, ['third', 'fourth'])
    assert.equal(slots.held, 0)
  })

  it('needs at least one slot', () => {
    assert.throws(() => new Semaphore(0))
  })
})
